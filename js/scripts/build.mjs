// Builds what the package ships besides src/: dist/component (the component transpiled by jco,
// at build time, never at install or start), dist/catalog.json and dist/signatures.json (read
// off the component by the CLI), and dist/index.d.ts (types of every card, with the WIT docs).
//
//   npm run build                         # uses ../target/debug/databricks-account, else cargo run
//   DATABRICKS_ACCOUNT_CLI=/path/to/databricks-account npm run build

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { declarations } from './typescript.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const repo = join(root, '..');

function cli(args) {
  const built = join(repo, 'target', 'debug', 'databricks-account');
  const explicit = process.env.DATABRICKS_ACCOUNT_CLI;
  const [command, prefix] = explicit
    ? [explicit, []]
    : existsSync(built)
      ? [built, []]
      : ['cargo', ['run', '-q', '-p', 'host-harness', '--']];
  execFileSync(command, [...prefix, ...args], { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] });
}

const started = Date.now();
await rm(dist, { recursive: true, force: true });
await mkdir(join(dist, 'component'), { recursive: true });
const wasmPath = join(dist, 'databricks-account.wasm');
cli(['write-component', wasmPath]);
cli(['write-js-catalog', dist]);

// Instantiation mode: the worker instantiates a fresh component per call with that call's
// imports (environment, stderr, outbound guard); the core modules compile once per worker.
const { files } = await transpileBytes(await readFile(wasmPath), {
  name: 'databricks-account',
  instantiation: { tag: 'async' },
  emitTypescriptDeclarations: false,
  minify: true,
});
for (const [name, bytes] of Object.entries(files)) {
  const path = join(dist, 'component', name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}
await rm(wasmPath);

const catalog = JSON.parse(await readFile(join(dist, 'catalog.json'), 'utf8'));
await writeFile(join(dist, 'index.d.ts'), declarations(catalog));
console.error(`built dist/ (${catalog.cards.length} cards) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
