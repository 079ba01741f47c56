// One worker thread of the pool: runs cards one at a time in one instance of the component.
// Instantiating jco's bindings of every card takes seconds, so the instance lives as long as the
// worker, as the wasmtime host keeps warm instances; the component keeps nothing across calls
// but OAuth tokens, each under its whole credentials (plugin/src/client/auth.rs). A trap ends
// the instance and the next call makes a new one. Calls into the component block this thread
// (preview2-shim's I/O is synchronous), never the caller's.

import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import * as shim from '@bytecodealliance/preview2-shim';
import { instantiate } from '../dist/component/databricks-account.js';
import { Codec, camel } from './codec.js';
import { guardedOutgoingHandler } from './outbound.js';
import { capturingStderr } from './stderr.js';

const dist = new URL('../dist/', import.meta.url);
const signatures = JSON.parse(await readFile(new URL('signatures.json', dist), 'utf8'));
const codec = new Codec(signatures.types);

const compiled = new Map();
const getCoreModule = (path) => {
  if (!compiled.has(path)) compiled.set(path, readFile(new URL(`component/${path}`, dist)).then((bytes) => WebAssembly.compile(bytes)));
  return compiled.get(path);
};

const TIME_LIMIT_VARIABLE = 'DATABRICKS_ACCOUNT_RUN_TIME_LIMIT_MS';
const alwaysReady = () => shim.clocks.monotonicClock.subscribeDuration(0n);

/** What the instance's imports see of the call in progress. */
const current = { allowed: [], onProgress: () => {} };
const stderr = capturingStderr(shim.io.streams.OutputStream, alwaysReady, (event) => current.onProgress(event));
const guard = guardedOutgoingHandler(shim.http.outgoingHandler, () => current.allowed);

/**
 * The shim's imports, with this worker's environment (the component reads it once per instance:
 * the pool's time limit), stderr and outbound guard. `wasi:http/types@0.2.4` → overrides or the
 * shim's `http.types`.
 */
function imports(timeLimitMs) {
  const overrides = {
    'wasi:cli/environment': { getEnvironment: () => [[TIME_LIMIT_VARIABLE, String(timeLimitMs)]], getArguments: () => [], initialCwd: () => undefined },
    'wasi:cli/stderr': { getStderr: () => stderr.stream },
    'wasi:http/outgoing-handler': guard,
  };
  return new Proxy(
    {},
    {
      get(_, key) {
        if (typeof key !== 'string') return undefined;
        const name = key.split('@')[0];
        if (name in overrides) return overrides[name];
        const [, pkg, iface] = name.match(/^wasi:([a-z-]+)\/([a-z-]+)$/) ?? [];
        return shim[pkg]?.[camel(iface ?? '')];
      },
    },
  );
}

let instance = null;
const ready = () => (instance ??= instantiate(getCoreModule, imports(workerData.timeLimitMs)));

async function run({ id, card, args, allowed }) {
  const signature = signatures.cards[card];
  const root = await ready();
  // The call's time limit counts from here, not from a new worker's instantiation.
  parentPort.postMessage({ id, started: true });
  const iface = signature.interface.split('@')[0].split('/').pop();
  const fn = root[iface]?.[camel(signature.function)];
  if (typeof fn !== 'function') return { id, failure: { kind: 'unknown_card', message: `the component exports no ${card}` } };
  const result = signature.result;
  const resultType = result && typeof result === 'object' && 'result' in result ? result.result : null;
  current.allowed = allowed;
  current.onProgress = (event) => parentPort.postMessage({ id, progress: event });
  stderr.clear();
  try {
    const value = fn(...args);
    return { id, output: resultType ? (resultType[0] === null ? null : codec.lift(value, resultType[0])) : codec.lift(value, result) };
  } catch (err) {
    // jco throws a card's `err` as is (or wrapped, with `payload`, by other versions).
    const payload = err instanceof Error ? err.payload : err;
    if (payload !== undefined && resultType?.[1] != null && !(payload instanceof Error)) {
      return { id, error: codec.lift(payload, resultType[1]) };
    }
    instance = null;
    // A trap: the component's own words (its stderr) say why; a JS error's message, else.
    const why = stderr.kept().trim().split('\n').pop() || (err instanceof Error ? err.message : String(err));
    return { id, failure: { kind: 'trap', message: `the component stopped: ${why}` } };
  } finally {
    current.allowed = [];
    current.onProgress = () => {};
  }
}

// Instantiate before the first call asks: the pool counts a worker ready from here.
ready().then(
  () => parentPort.postMessage({ ready: true }),
  (err) => parentPort.postMessage({ ready: false, message: err instanceof Error ? err.message : String(err) }),
);

parentPort.on('message', (task) => {
  run(task).then(
    (answer) => parentPort.postMessage(answer),
    (err) => {
      instance = null;
      parentPort.postMessage({ id: task.id, failure: { kind: 'internal', message: err instanceof Error ? err.message : String(err) } });
    },
  );
});
