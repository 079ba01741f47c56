// The outbound guard in Node: only the connection's origin, as the wasmtime host allows.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { allowedOrigins, guardedOutgoingHandler, parseOrigin } from '../src/outbound.js';

const clouds = [
  { cloud: 'aws', account_host: 'accounts.cloud.databricks.com' },
  { cloud: 'azure', account_host: 'accounts.azuredatabricks.net' },
];
const request = (scheme, authority) => ({ scheme: () => ({ tag: scheme }), authority: () => authority });
const options = (connect, firstByte) => {
  const o = { connect, firstByte };
  return { connectTimeout: () => o.connect, firstByteTimeout: () => o.firstByte, setConnectTimeout: (v) => (o.connect = v), o };
};

test('a connection reaches its cloud account host, or its host override, and nothing else', () => {
  assert.deepEqual(allowedOrigins({ cloud: 'azure' }, clouds), [{ scheme: 'https', host: 'accounts.azuredatabricks.net', port: 443 }]);
  assert.deepEqual(allowedOrigins({ cloud: 'aws', host_override: 'http://127.0.0.1:8080' }, clouds), [
    { scheme: 'http', host: '127.0.0.1', port: 8080 },
  ]);
  // Plain HTTP would carry the secret in clear text: only to this machine.
  assert.deepEqual(allowedOrigins({ cloud: 'aws', host_override: 'http://10.0.0.5' }, clouds), []);
  for (const bad of ['https://x.example.com/path', 'https://user@x.example.com', 'ftp://x', 'not a url']) {
    assert.deepEqual(allowedOrigins({ cloud: 'aws', host_override: bad }, clouds), [], bad);
  }
  assert.deepEqual(parseOrigin('https://Accounts.Cloud.Databricks.com/'), { scheme: 'https', host: 'accounts.cloud.databricks.com', port: 443 });
});

test('a request to another origin is refused before it is sent; an allowed one goes to the shim', () => {
  const sent = [];
  const shim = { handle: (req, opts) => (sent.push([req.authority(), opts && opts.o.connect]), { get: () => undefined }) };
  const guard = guardedOutgoingHandler(shim, () => allowedOrigins({ cloud: 'aws' }, clouds));
  for (const [scheme, authority] of [['HTTPS', 'evil.example.com'], ['HTTP', 'accounts.cloud.databricks.com'], ['HTTPS', 'accounts.cloud.databricks.com:8443']]) {
    assert.throws(() => guard.handle(request(scheme, authority), undefined), (e) => e.tag === 'HTTP-request-denied', authority);
  }
  assert.equal(sent.length, 0);
  const opts = options(10_000_000_000n, 30_000_000_000n);
  guard.handle(request('HTTPS', 'accounts.cloud.databricks.com:443'), opts);
  // The connect timeout covers the wait for the first byte in Node: raised to the response timeout.
  assert.deepEqual(sent, [['accounts.cloud.databricks.com:443', 30_000_000_000n]]);
});

test('a timeout of the raised connect timeout reads as a response timeout', () => {
  const timedOut = { tag: 'ok', val: { tag: 'err', val: { tag: 'connection-timeout' } } };
  const shim = { handle: () => ({ get: () => structuredClone(timedOut) }) };
  const guard = guardedOutgoingHandler(shim, () => [{ scheme: 'https', host: 'h', port: 443 }]);
  const raised = guard.handle(request('HTTPS', 'h'), options(1n, 5n));
  assert.deepEqual(raised.get().val.val, { tag: 'HTTP-response-timeout' });
  const kept = guard.handle(request('HTTPS', 'h'), options(5n, 5n));
  assert.deepEqual(kept.get().val.val, { tag: 'connection-timeout' }, 'a real connect timeout stays one');
});
