// Run a card of the databricks-account WebAssembly component from Node.js, with jco.
//
//   DATABRICKS_ACCOUNT_WASM=databricks_account.wasm \
//   DATABRICKS_ACCOUNT_ID=... DATABRICKS_CLIENT_ID=... DATABRICKS_CLIENT_SECRET=... \
//   [DATABRICKS_HOST=http://127.0.0.1:8080] node run.mjs
//
// The component needs only standard WASI 0.2 (wasi:http, wasi:cli, clocks, random), which
// jco's preview2-shim provides in Node.js. Nothing here is specific to Databricks but the card call.
import { transpile } from '@bytecodealliance/jco';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`set ${name}`);
  return value;
};

// README:jco:start
// 1. Transpile the component to an ES module plus core wasm files (once per component build;
//    a platform would do this at build time with `npx jco transpile`).
const wasm = await readFile(env('DATABRICKS_ACCOUNT_WASM', join(here, 'databricks_account.wasm')));
const { files } = await transpile(wasm, { name: 'databricks-account' });
const out = join(here, 'transpiled');
for (const [name, bytes] of Object.entries(files)) {
  await mkdir(dirname(join(out, name)), { recursive: true });
  await writeFile(join(out, name), bytes);
}
const connector = await import(pathToFileURL(join(out, 'databricks-account.js')).href);

// 2. A connection, in jco's mapping of the WIT `connection` record (camelCase fields,
//    variants as {tag, val}, options as value-or-undefined).
const conn = {
  cloud: 'aws',
  accountId: env('DATABRICKS_ACCOUNT_ID'),
  auth: {
    tag: 'oauth-m2m',
    val: { clientId: env('DATABRICKS_CLIENT_ID'), clientSecret: env('DATABRICKS_CLIENT_SECRET') },
  },
  // Unset for a real account (the cloud picks https://accounts.cloud.databricks.com).
  hostOverride: process.env.DATABRICKS_HOST,
};

// 3. The card list, then one card. A card-error arrives as a thrown ComponentError whose
//    `payload` is the `card-error` variant.
const json = (value) => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
const cards = connector.cards.listCards();
console.error(`${cards.length} cards; list-users needs scope ${cards.find((c) => c.id === 'list-users').scopes}`);
try {
  const users = connector.identity.listUsers(conn, { filter: 'userName sw "a"', sortBy: 'userName' });
  console.log(json(users.resources.map((u) => ({ id: u.id, userName: u.userName, active: u.active }))));
} catch (err) {
  console.error(json(err.payload ?? String(err)));
  process.exit(1);
}
// README:jco:end
