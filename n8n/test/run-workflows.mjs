#!/usr/bin/env node
// Has n8n itself run workflows with the Databricks Account node against a Databricks account
// (the project's fake one in tests):
//
//   DATABRICKS_CONNECTION="$(databricks-account fake --port 0 | head -c 100000)" node n8n/test/run-workflows.mjs
//
// 1. installs n8n from npm into $N8N_CACHE_DIR (default <repo>/target/n8n) unless it is there;
// 2. builds this node package and stages it as an n8n custom extension (N8N_CUSTOM_EXTENSIONS),
//    with `databricks-account-connector` resolving to $CONNECTOR_DIR (default <repo>/js);
// 3. in a fresh N8N_USER_FOLDER, imports a credential made from $DATABRICKS_CONNECTION and two
//    workflows with `n8n import:credentials` / `n8n import:workflow`;
// 4. runs each with `n8n execute --id ... --rawOutput`:
//    workflow 1: Manual Trigger → Create User → Create Group → Add Member → Get Group → Deactivate User;
//    workflow 2: Get User with an ID that does not exist, once with "continue (regular output)" and
//    once with "continue (error output)" routed to a No-Op node.
//
// `--install-only` stops after step 1.
//
// Prints one JSON document on stdout: { n8n, node_type, workflow1: {nodes: {name: [items]}, ...},
// workflow2: {...}, checks, timings_ms }. Logs go to stderr. Exits non-zero, with the reason on
// stderr, when anything fails, including a check on what the workflows produced.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// n8n 2.8.4 is the newest n8n whose `engines` accept this machine's Node.js 20 (">=20.19 <= 24.x");
// n8n 2.10 and later need Node >= 22.16, and 2.36 and later Node >= 24. Change it together with
// Node.js.
const N8N_VERSION = '2.8.4';
// n8n-nodes-base asks for xlsx as a tarball from cdn.sheetjs.com, which only a machine with the
// open internet reaches; the registry's xlsx (used only by the spreadsheet nodes) stands in.
const N8N_OVERRIDES = { xlsx: '0.18.5' };

const here = path.dirname(fileURLToPath(import.meta.url));
const nodePackageDir = path.resolve(here, '..');
const repo = path.resolve(nodePackageDir, '..');
const cacheDir = path.resolve(process.env.N8N_CACHE_DIR || path.join(repo, 'target', 'n8n'));
const connectorDir = path.resolve(process.env.CONNECTOR_DIR || path.join(repo, 'js'));
const keep = process.env.KEEP_N8N_RUN === '1';
const started = Date.now();
const timings = {};

const log = (...a) => console.error('[run-workflows]', ...a);

function fail(message, details) {
  console.error(`\nrun-workflows: FAILED: ${message}`);
  if (details) console.error(details);
  process.exit(1);
}

/** Runs a command; resolves {code, stdout, stderr, ms}. Streams stderr lines to ours when `echo`. */
function run(cmd, args, { cwd, env, echo = false, timeoutMs = 15 * 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (echo) process.stderr.write(d);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function dirSizeMb(dir) {
  let total = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop();
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        try {
          total += fs.statSync(p).size;
        } catch {
          // gone meanwhile
        }
      }
    }
  }
  return Math.round(total / 1048576);
}

// ---------------------------------------------------------------------------------------------
// 1. n8n, installed once into the cache
// ---------------------------------------------------------------------------------------------

async function ensureN8n() {
  const dir = path.join(cacheDir, `n8n-${N8N_VERSION}`);
  const bin = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
  const marker = path.join(dir, '.installed.json');
  if (fs.existsSync(marker) && fs.existsSync(bin)) {
    const info = JSON.parse(fs.readFileSync(marker, 'utf8'));
    log(`n8n ${N8N_VERSION} is in ${dir} (installed earlier in ${info.install_ms} ms, ${info.size_mb} MB)`);
    return { bin, dir, installed_now: false, ...info };
  }

  // One installer at a time: a lock directory holding the installer's pid.
  fs.mkdirSync(cacheDir, { recursive: true });
  const lock = `${dir}.lock`;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let pid = 0;
      try {
        pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
      } catch {
        // being written
      }
      let alive = false;
      try {
        if (pid) process.kill(pid, 0), (alive = true);
      } catch {
        alive = false;
      }
      if (pid && !alive) {
        log(`removing the stale install lock of process ${pid}`);
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      log(`another process (${pid || '?'}) is installing n8n; waiting`);
      await sleep(5000);
      if (fs.existsSync(marker)) return ensureN8n();
    }
  }
  try {
    if (fs.existsSync(marker) && fs.existsSync(bin)) return ensureN8n();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'n8n-cache', private: true, overrides: N8N_OVERRIDES }, null, 2),
    );
    const env = {
      ...process.env,
      SCARF_ANALYTICS: 'false',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };
    // sqlite3 builds from source here (its prebuilt binary is on GitHub, out of reach): give
    // node-gyp the headers of the running Node.js when the system has them, instead of a download.
    const sysHeaders = '/usr/include/node/node_version.h';
    if (fs.existsSync(sysHeaders)) {
      const h = fs.readFileSync(sysHeaders, 'utf8');
      const v = ['MAJOR', 'MINOR', 'PATCH'].map((k) => (h.match(new RegExp(`define NODE_${k}_VERSION (\\d+)`)) || [])[1]).join('.');
      if (`v${v}` === process.version) env.npm_config_nodedir = '/usr';
    }
    log(`installing n8n ${N8N_VERSION} into ${dir} (once; several minutes and ~2.4 GB)`);
    // Install scripts stay on: sqlite3 needs its native module (n8n's database); --omit=dev keeps
    // out nothing n8n needs at run time.
    const r = await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=warn', `n8n@${N8N_VERSION}`],
      { cwd: dir, env, echo: true, timeoutMs: 40 * 60_000 },
    );
    if (r.code !== 0) fail(`npm install n8n@${N8N_VERSION} failed (exit ${r.code})`, r.stderr.slice(-4000));
    const check = await run(process.execPath, ['-e', 'require("sqlite3"); require("n8n/package.json")'], { cwd: dir });
    if (check.code !== 0) fail('n8n installed, but its sqlite3 module does not load', check.stderr);
    const info = { version: N8N_VERSION, install_ms: r.ms, size_mb: dirSizeMb(dir) };
    fs.writeFileSync(marker, JSON.stringify(info, null, 2));
    log(`installed n8n ${N8N_VERSION} in ${r.ms} ms (${info.size_mb} MB)`);
    return { bin, dir, installed_now: true, ...info };
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// 2. the node package, staged as a custom extension
// ---------------------------------------------------------------------------------------------

async function stageNodePackage(runDir) {
  const pkgJson = path.join(connectorDir, 'package.json');
  if (!fs.existsSync(pkgJson)) fail(`no databricks-account-connector package at ${connectorDir} (set CONNECTOR_DIR)`);
  const pkg = JSON.parse(fs.readFileSync(pkgJson, 'utf8'));
  if (pkg.name !== 'databricks-account-connector') fail(`${pkgJson} is ${pkg.name}, not databricks-account-connector`);

  const staged = path.join(runDir, 'extensions', 'n8n-nodes-databricks-account');
  fs.mkdirSync(path.join(staged, 'node_modules'), { recursive: true });
  fs.copyFileSync(path.join(nodePackageDir, 'package.json'), path.join(staged, 'package.json'));
  // What `npm install` does with the package's `file:../js` dependency: a link to the folder.
  fs.symlinkSync(connectorDir, path.join(staged, 'node_modules', 'databricks-account-connector'), 'dir');

  const b = await run(process.execPath, [path.join(nodePackageDir, 'scripts', 'build.mjs'), '--out', path.join(staged, 'dist'), '--no-check']);
  if (b.code !== 0) fail('building the node package failed', b.stderr);

  // The package must load from there the way the node loads it.
  const probe = await run(
    process.execPath,
    [
      '-e',
      `const c = require('databricks-account-connector/catalog.json');
       import('databricks-account-connector').then(m => {
         if (typeof m.Connector?.start !== 'function') throw new Error('no Connector.start export');
         console.log(c.cards.length);
       }).catch(e => { console.error(e && e.stack || e); process.exit(1); });`,
    ],
    { cwd: path.join(staged, 'dist') },
  );
  if (probe.code !== 0) {
    fail(`databricks-account-connector at ${connectorDir} does not load (is it built? ls ${connectorDir}/dist)`, probe.stderr);
  }
  log(`staged the node in ${staged} (catalog: ${probe.stdout.trim()} cards)`);
  // N8N_CUSTOM_EXTENSIONS is scanned for *.node.js / *.credentials.js: the built files only.
  return { extensionDir: path.join(staged, 'dist'), staged };
}

// ---------------------------------------------------------------------------------------------
// 3. credential and workflows
// ---------------------------------------------------------------------------------------------

const NODE_TYPE = 'CUSTOM.databricksAccount'; // custom extensions load under the package name CUSTOM
const CREDENTIAL = { id: 'DbxAccountCred01', name: 'Databricks account (test)' };

function dbxNode(name, position, resource, operation, parameters, extra = {}) {
  return {
    id: randomUUIDish(),
    name,
    type: NODE_TYPE,
    typeVersion: 1,
    position,
    parameters: { resource, operation, ...parameters },
    credentials: { databricksAccountApi: CREDENTIAL },
    ...extra,
  };
}

function randomUUIDish() {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function trigger() {
  return {
    id: randomUUIDish(),
    name: 'Start',
    type: 'n8n-nodes-base.manualTrigger',
    typeVersion: 1,
    position: [0, 0],
    parameters: {},
  };
}

function chain(...names) {
  const connections = {};
  for (let i = 0; i + 1 < names.length; i++) {
    connections[names[i]] = { main: [[{ node: names[i + 1], type: 'main', index: 0 }]] };
  }
  return connections;
}

function workflows(tag) {
  const userName = `n8n.${tag}@example.com`;
  const w1 = {
    id: 'DbxWorkflowUser1',
    name: 'Databricks: provision a user into a group',
    active: false,
    settings: { executionOrder: 'v1' },
    nodes: [
      trigger(),
      dbxNode('Create User', [220, 0], 'identity', 'create-user', {
        user_name: userName,
        additionalFields: { given_name: 'Ada', family_name: `N8n ${tag}` },
      }),
      dbxNode('Create Group', [440, 0], 'identity', 'create-group', {
        display_name: `n8n group ${tag}`,
      }),
      dbxNode('Add Member', [660, 0], 'identity', 'add-group-member', {
        group_id: '={{ $json.id }}',
        member_id: "={{ $('Create User').item.json.id }}",
      }),
      dbxNode('Get Group', [880, 0], 'identity', 'get-group', {
        id: "={{ $('Create Group').item.json.id }}",
      }),
      dbxNode('Deactivate User', [1100, 0], 'identity', 'deactivate-user', {
        id: "={{ $('Create User').item.json.id }}",
      }),
    ],
    connections: chain('Start', 'Create User', 'Create Group', 'Add Member', 'Get Group', 'Deactivate User'),
  };
  const w2 = {
    id: 'DbxWorkflowFail1',
    name: 'Databricks: a card error routed by the workflow',
    active: false,
    settings: { executionOrder: 'v1' },
    nodes: [
      trigger(),
      dbxNode('Get Missing User', [220, -120], 'identity', 'get-user', { id: '4211999999999999' }, { onError: 'continueRegularOutput' }),
      dbxNode('Get Missing User (error output)', [220, 120], 'identity', 'get-user', { id: '4211999999999998' }, { onError: 'continueErrorOutput' }),
      dbxNode('List Users With Bad JSON', [220, 300], 'identity', 'list-users', { additionalFields: { pages: '{"all": ' } }, { onError: 'continueRegularOutput' }),
      { id: randomUUIDish(), name: 'Found', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [480, 60], parameters: {} },
      { id: randomUUIDish(), name: 'Not Found', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [480, 200], parameters: {} },
    ],
    connections: {
      Start: {
        main: [
          [
            { node: 'Get Missing User', type: 'main', index: 0 },
            { node: 'Get Missing User (error output)', type: 'main', index: 0 },
            { node: 'List Users With Bad JSON', type: 'main', index: 0 },
          ],
        ],
      },
      'Get Missing User (error output)': {
        main: [[{ node: 'Found', type: 'main', index: 0 }], [{ node: 'Not Found', type: 'main', index: 0 }]],
      },
    },
  };
  const w3 = {
    id: 'DbxWorkflowStop1',
    name: 'Databricks: a card error stops the workflow',
    active: false,
    settings: { executionOrder: 'v1' },
    nodes: [trigger(), dbxNode('Get Missing User', [220, 0], 'identity', 'get-user', { id: '4211999999999997' })],
    connections: chain('Start', 'Get Missing User'),
  };
  return { w1, w2, w3, userName };
}

// ---------------------------------------------------------------------------------------------
// 4. n8n's CLI
// ---------------------------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function n8nEnv(runDir, extensionDir) {
  return {
    PATH: process.env.PATH,
    HOME: path.join(runDir, 'home'),
    TMPDIR: process.env.TMPDIR || os.tmpdir(),
    NODE_ENV: 'production',
    N8N_USER_FOLDER: path.join(runDir, 'user'),
    N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
    N8N_CUSTOM_EXTENSIONS: extensionDir,
    DB_TYPE: 'sqlite',
    DB_SQLITE_POOL_SIZE: '2',
    N8N_LOG_LEVEL: 'info',
    N8N_LOG_FORMAT: 'json', // one JSON object a line: the execution's data is found among them
    N8N_LOG_OUTPUT: 'console',
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_COMMUNITY_PACKAGES_ENABLED: 'false',
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
    N8N_RUNNERS_BROKER_PORT: String(await freePort()),
    N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
    N8N_PORT: String(await freePort()),
    N8N_NO_COLOR: 'true',
    NO_COLOR: '1',
  };
}

/** `n8n <args>`, with stdout's JSON log lines parsed. */
async function n8n(bin, args, env, cwd) {
  const r = await run(process.execPath, [bin, ...args], { cwd, env, timeoutMs: 5 * 60_000 });
  const lines = [];
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    try {
      lines.push(JSON.parse(line));
    } catch {
      lines.push({ level: 'raw', message: line });
    }
  }
  return { ...r, lines };
}

function logTail(r, n = 40) {
  const msgs = r.lines.map((l) => `${l.level}: ${typeof l.message === 'string' ? l.message.slice(0, 2000) : JSON.stringify(l.message)}`);
  return [...msgs.slice(-n), r.stderr.slice(-4000)].join('\n');
}

/** The run data (IRun) `n8n execute --rawOutput` logs as one message. */
function findRun(r) {
  for (const l of r.lines) {
    if (typeof l.message !== 'string' || !l.message.startsWith('{')) continue;
    try {
      const v = JSON.parse(l.message);
      if (v && v.data && v.data.resultData) return v;
    } catch {
      // another message
    }
  }
  return null;
}

function summarize(runData) {
  const out = { status: runData.status, finished: runData.finished, nodes: {}, error_outputs: {}, node_errors: {}, node_ms: {} };
  const resultData = runData.data.resultData;
  for (const [name, runs] of Object.entries(resultData.runData || {})) {
    const last = runs[runs.length - 1];
    out.node_ms[name] = runs.reduce((t, r) => t + (r.executionTime || 0), 0);
    if (last.error) {
      const e = last.error;
      out.node_errors[name] = { name: e.name, message: e.message, description: e.description, http_code: e.httpCode, context: e.context };
    }
    const main = (last.data && last.data.main) || [];
    out.nodes[name] = (main[0] || []).map((i) => i.json);
    if (main.length > 1) out.error_outputs[name] = (main[1] || []).map((i) => i.json);
  }
  if (resultData.error) out.error = { message: resultData.error.message, description: resultData.error.description };
  if (!Object.keys(out.error_outputs).length) delete out.error_outputs;
  if (!Object.keys(out.node_errors).length) delete out.node_errors;
  return out;
}

async function execute(bin, env, cwd, id) {
  const r = await n8n(bin, ['execute', `--id=${id}`, '--rawOutput'], env, cwd);
  fs.writeFileSync(path.join(cwd, `execute-${id}.log`), r.stdout + r.stderr);
  const data = findRun(r);
  if (!data) fail(`n8n execute --id=${id} printed no execution data (exit ${r.code})`, logTail(r));
  log(`n8n execute --id=${id}: exit ${r.code}, status ${data.status}, ${r.ms} ms`);
  return { result: summarize(data), ms: r.ms, code: r.code, r };
}

// ---------------------------------------------------------------------------------------------

function check(checks, name, ok, detail) {
  checks.push({ check: name, ok: !!ok, ...(ok ? {} : { detail }) });
}

async function main() {
  // `--install-only`: install n8n into the cache and stop (.ci/run does it while Rust compiles).
  if (process.argv.includes('--install-only')) {
    const installed = await ensureN8n();
    log(`n8n ${N8N_VERSION} ready in ${installed.dir}${installed.installed_now ? ` (installed in ${installed.install_ms} ms)` : ''}`);
    return;
  }
  const connText = process.env.DATABRICKS_CONNECTION;
  if (!connText) fail('set DATABRICKS_CONNECTION to a connection JSON (e.g. what `databricks-account fake --port 0` prints)');
  let connection;
  try {
    connection = JSON.parse(connText);
  } catch (e) {
    fail(`DATABRICKS_CONNECTION is not JSON: ${e.message}`);
  }

  const installed = await ensureN8n();
  timings.n8n_install = installed.installed_now ? installed.install_ms : 0;

  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-databricks-'));
  fs.mkdirSync(path.join(runDir, 'home'), { recursive: true });
  log(`run folder ${runDir}${keep ? ' (kept: KEEP_N8N_RUN=1)' : ''}`);
  const cleanup = () => {
    if (!keep) fs.rmSync(runDir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);

  let t = Date.now();
  const { extensionDir, staged } = await stageNodePackage(runDir);
  timings.stage_node = Date.now() - t;

  const require = createRequire(path.join(staged, 'dist', 'nodes', 'DatabricksAccount', 'x.js'));
  const { credentialsFromConnection } = require('./connection.js');
  const tag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const { w1, w2, w3, userName } = workflows(tag);
  const files = path.join(runDir, 'import');
  fs.mkdirSync(files);
  fs.writeFileSync(
    path.join(files, 'credentials.json'),
    JSON.stringify([{ ...CREDENTIAL, type: 'databricksAccountApi', data: credentialsFromConnection(connection) }], null, 2),
  );
  fs.writeFileSync(path.join(files, 'workflows.json'), JSON.stringify([w1, w2, w3], null, 2));

  const env = await n8nEnv(runDir, extensionDir);
  const cwd = runDir; // n8n reads a .env from its working folder: a clean one

  t = Date.now();
  const ic = await n8n(installed.bin, ['import:credentials', `--input=${path.join(files, 'credentials.json')}`], env, cwd);
  if (ic.code !== 0) fail('n8n import:credentials failed', logTail(ic));
  timings.import_credentials = ic.ms;
  const iw = await n8n(installed.bin, ['import:workflow', `--input=${path.join(files, 'workflows.json')}`], env, cwd);
  if (iw.code !== 0) fail('n8n import:workflow failed', logTail(iw));
  timings.import_workflows = iw.ms;
  log(`imported the credential (${ic.ms} ms) and 3 workflows (${iw.ms} ms)`);

  const e1 = await execute(installed.bin, env, cwd, w1.id);
  timings.workflow1 = e1.ms;
  const e2 = await execute(installed.bin, env, cwd, w2.id);
  timings.workflow2 = e2.ms;
  const e3 = await execute(installed.bin, env, cwd, w3.id);
  timings.workflow3 = e3.ms;
  timings.total = Date.now() - started;

  // What the workflows must have produced.
  const checks = [];
  const n1 = e1.result.nodes;
  const one = (name) => (Array.isArray(n1[name]) && n1[name].length === 1 ? n1[name][0] : undefined);
  check(checks, 'workflow1 exited 0 and succeeded', e1.code === 0 && e1.result.status === 'success', { code: e1.code, status: e1.result.status, error: e1.result.error, node_errors: e1.result.node_errors });
  const user = one('Create User');
  const group = one('Create Group');
  check(checks, 'Create User made the user', user && user.user_name === userName && user.id, n1['Create User']);
  check(checks, 'Create Group made the group', group && group.id, n1['Create Group']);
  const added = one('Add Member');
  check(checks, 'Add Member added the user to the group', added && user && group && added.group_id === group.id && added.member_id === user.id, n1['Add Member']);
  const got = one('Get Group');
  check(
    checks,
    "Get Group lists the user among the group's members",
    got && user && Array.isArray(got.members) && got.members.some((m) => m.value === user.id),
    got,
  );
  const deact = one('Deactivate User');
  check(checks, 'Deactivate User deactivated the user', deact && user && deact.id === user.id && deact.active === false, deact);

  const n2 = e2.result.nodes;
  const errItem = (n2['Get Missing User'] || [])[0];
  check(checks, 'workflow2 exited 0 and succeeded', e2.code === 0 && e2.result.status === 'success', { code: e2.code, status: e2.result.status, error: e2.result.error });
  check(
    checks,
    'Get Missing User (continue, regular output) gave an item with the not_found card error',
    errItem && typeof errItem.error === 'string' && errItem.kind === 'not_found' && errItem.card_error && errItem.card_error.not_found,
    n2['Get Missing User'],
  );
  const routed = (n2['Not Found'] || [])[0];
  check(
    checks,
    'Get Missing User (continue, error output) routed the card error to the Not Found node',
    routed && typeof routed.message === 'string' && routed.error && routed.error.not_found && !(n2.Found || []).length,
    { notFound: n2['Not Found'], found: n2.Found },
  );

  const bad = (n2['List Users With Bad JSON'] || [])[0];
  check(
    checks,
    'a field that is not JSON fails the item with a message naming the field',
    bad && /\(pages\) is not valid JSON/.test(bad.error) && bad.card_error === undefined,
    n2['List Users With Bad JSON'],
  );
  const stop = (e3.result.node_errors || {})['Get Missing User'];
  check(
    checks,
    'without continue on fail, the card error fails the execution as a NodeApiError with the card error as its description',
    e3.code !== 0 &&
      e3.result.status === 'error' &&
      stop &&
      /not.found/i.test(stop.message) &&
      stop.context &&
      stop.context.kind === 'not_found' &&
      stop.name === 'NodeApiError' &&
      /"not_found"/.test(stop.description || '') &&
      stop.http_code === '404',
    { code: e3.code, status: e3.result.status, stop },
  );

  const report = {
    n8n: { version: N8N_VERSION, dir: installed.dir, installed_now: installed.installed_now, install_ms: installed.install_ms, install_size_mb: installed.size_mb },
    node_type: NODE_TYPE,
    workflow1: { id: w1.id, ...e1.result },
    workflow2: { id: w2.id, ...e2.result },
    workflow3: { id: w3.id, ...e3.result },
    checks,
    timings_ms: timings,
  };
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');

  const failed = checks.filter((c) => !c.ok);
  if (failed.length) {
    for (const c of failed) console.error(`check failed: ${c.check}: ${JSON.stringify(c.detail)}`);
    if (e1.code !== 0 || e1.result.status !== 'success') console.error(logTail(e1.r));
    if (e2.code !== 0 || e2.result.status !== 'success') console.error(logTail(e2.r));
    if (e3.result.status !== 'error') console.error(logTail(e3.r));
    fail(`${failed.length} of ${checks.length} checks failed`);
  }
  log(
    `ok: ${checks.length} checks; n8n install ${timings.n8n_install} ms, imports ${timings.import_credentials}+${timings.import_workflows} ms, workflow1 ${timings.workflow1} ms, workflow2 ${timings.workflow2} ms, workflow3 ${timings.workflow3} ms, total ${timings.total} ms`,
  );
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
