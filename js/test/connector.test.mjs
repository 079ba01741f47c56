// The package against the fake Databricks account. host-harness/tests/js_package.rs starts the
// fake and runs `node --test` here with:
//   DATABRICKS_CONNECTION   the fake account's M2M connection (JSON)
//   DATABRICKS_ACCOUNT_CLI  the CLI binary, to compare outputs with
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { CardError, Connector, catalog } from '../src/index.js';

const connection = JSON.parse(process.env.DATABRICKS_CONNECTION ?? 'null');
if (!connection) throw new Error('set DATABRICKS_CONNECTION to a fake account connection (see host-harness/tests/js_package.rs)');
const cliPath = process.env.DATABRICKS_ACCOUNT_CLI;

let connector;
before(async () => {
  connector = await Connector.start({ workers: 2, warm: true });
});
after(async () => {
  await connector.close();
});

/** The error a promise rejects with (fails if it resolves). */
async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the call to fail');
}

/** A loopback server answering SCIM `get-user` after `delayMs`; records the requests. */
async function slowServer(delayMs) {
  const requests = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/scim+json' });
      res.end(JSON.stringify({ id: '42', userName: 'slow@example.com', active: true, schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] }));
    }, delayMs);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}

const scimConnection = (hostOverride, policy) => ({
  cloud: 'aws',
  account_id: connection.account_id,
  auth: { scim_token: { token: 'dapi-test-token' } },
  host_override: hostOverride,
  policy,
});

describe('the card list', () => {
  test('lists every card with its schemas', () => {
    assert.ok(catalog.cards.length >= 170, `${catalog.cards.length} cards`);
    const listUsers = connector.card('list-users');
    assert.equal(listUsers.category, 'identity');
    assert.equal(listUsers.input.properties.filter.description.includes('SCIM filter'), true);
    assert.equal(catalog.connection.properties.account_id.type, 'string');
  });
});

describe('input in the CLI spelling', () => {
  test('the card list example runs unchanged and matches the CLI byte for byte', async () => {
    const input = connector.card('list-users').example_input;
    const users = await connector.run('list-users', connection, input);
    assert.deepEqual(
      users.resources.map((u) => u.user_name),
      ['ada.lovelace@example.com', 'alan.turing@example.com'],
    );
    if (cliPath) {
      const cli = JSON.parse(
        execFileSync(cliPath, ['run', 'list-users', '--connection', JSON.stringify(connection), '--input', JSON.stringify(input)], {
          encoding: 'utf8',
        }),
      );
      assert.deepEqual(users, cli);
    }
  });

  test('an unknown or misspelled key is refused, naming it, before anything is sent', async () => {
    const err = await rejection(connector.run('rotate-service-principal-secret', connection, { lifetime_day: 365 }));
    assert.ok(err instanceof CardError);
    assert.equal(err.kind, 'invalid_input');
    assert.equal(err.error.invalid_input.field, 'input.lifetime_day');
    assert.match(err.error.invalid_input.reason, /unknown field \(expected one of: .*lifetime_days/);
    assert.match(err.message, /rotate-service-principal-secret: invalid input: input\.lifetime_day: unknown field/);
  });

  test('a wrong type and a missing field name the field in snake_case', async () => {
    let err = await rejection(connector.run('get-user', connection, { id: 42 }));
    assert.deepEqual(err.error, { invalid_input: { field: 'input.id', reason: 'expected string, got integer' } });
    err = await rejection(connector.run('get-user', connection, {}));
    assert.deepEqual(err.error, { invalid_input: { field: 'input.id', reason: 'missing required field' } });
    err = await rejection(connector.run('get-user', { ...connection, account_id: 7 }, { id: '1' }));
    assert.equal(err.error.invalid_input.field, 'connection.account_id');
    // The component's own checks are spelled the same way (its WIT names are kebab-case).
    err = await rejection(connector.run('get-user', { ...connection, account_id: 'not-a-uuid' }, { id: '1' }));
    assert.equal(err.kind, 'invalid_input');
    assert.equal(err.error.invalid_input.field, 'connection.account_id');
  });

  test('enums are the snake_case names: descending sorts descending', async () => {
    const names = async (sort_order) =>
      (await connector.run('list-users', connection, { sort_by: 'userName', sort_order })).resources.map((u) => u.user_name);
    const ascending = await names('ascending');
    assert.deepEqual(await names('descending'), [...ascending].reverse());
    const err = await rejection(names('down'));
    assert.equal(err.error.invalid_input.field, 'input.sort_order');
  });

  test('64-bit integers come back exact: Numbers when safe, decimal strings beyond 2^53', async () => {
    const created = await connector.run('create-budget', connection, connector.card('create-budget').example_input);
    const id = created.budget_configuration_id;
    const beyond = '9007199254740993'; // 2^53 + 1: a Number would read it as ...992
    const updated = await connector.run('update-budget', connection, { budget_configuration_id: id, workspace_ids: [beyond, 2345678901234567] });
    assert.deepEqual(updated.workspace_ids, [beyond, 2345678901234567]);
    assert.doesNotThrow(() => JSON.stringify(updated));
    const err = await rejection(connector.run('update-budget', connection, { budget_configuration_id: id, workspace_ids: [9007199254740993] }));
    assert.equal(err.error.invalid_input.field, 'input.workspace_ids[0]');
  });
});

describe('every card', () => {
  // The card list's examples, pasted as they are: none may fail the package's own input checks
  // (their fields read `input.…`) or stop the component. On this one shared account some find
  // their object gone or taken, or a safety check refuses them: that is the account's state, not
  // the input's spelling (host-harness/tests/card_list.rs runs each on a fresh account).
  test('runs its card list example unchanged', async () => {
    const problems = [];
    for (const card of catalog.cards) {
      try {
        await connector.run(card.id, connection, card.example_input, { timeLimitMs: 15_000 });
      } catch (err) {
        const ours = err.kind === 'invalid_input' && /^(input|connection)\b/.test(err.error?.invalid_input?.field ?? '');
        if (!(err instanceof CardError) || ours || ['trap', 'internal', 'unknown_card'].includes(err.kind)) {
          problems.push(`${card.id} ${JSON.stringify(card.example_input)}: ${err.kind}: ${err.message}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});

describe('calls', () => {
  test('never block the event loop: a server in this process answers them', async () => {
    const server = await slowServer(200);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const started = Date.now();
      const timed = async () => {
        const t = Date.now();
        const user = await connector.run('get-user', scimConnection(server.url), { id: '42' });
        return { user, waited: Date.now() - t };
      };
      const calls = await Promise.all(Array.from({ length: 4 }, timed));
      const elapsed = Date.now() - started;
      assert.deepEqual(calls.map((c) => c.user.user_name), Array(4).fill('slow@example.com'));
      // Two workers: the four calls overlap, so together they take well under their sum (one
      // after the other they would take all of it, whatever the machine's load).
      const sum = calls.reduce((total, c) => total + c.waited, 0);
      assert.ok(elapsed < 0.75 * sum, `four calls took ${elapsed} ms in all, ${sum} ms summed`);
      assert.ok(ticks >= elapsed / 5 / 4, `the 5 ms timer fired ${ticks} times in ${elapsed} ms`);
      assert.equal(server.requests[0].url, `/api/2.1/accounts/${connection.account_id}/scim/v2/Users/42`);
      assert.equal(server.requests[0].authorization, 'Bearer dapi-test-token');
    } finally {
      clearInterval(timer);
      await server.close();
    }
  });

  test('a card error is a CardError with the card-error and a readable message', async () => {
    const err = await rejection(connector.run('get-user', connection, { id: '999999' }));
    assert.ok(err instanceof CardError);
    assert.equal(err.kind, 'not_found');
    assert.equal(err.error.not_found.status, 404);
    assert.match(err.message, /^get-user: not found: .*\(HTTP 404/);
    assert.deepEqual(JSON.parse(JSON.stringify(err)).kind, 'not_found');
  });

  test('reports progress of an every-page walk', async () => {
    const events = [];
    const users = await connector.run('list-users', connection, { pages: { all: { page_size: 1 } } }, { onProgress: (e) => events.push(e) });
    assert.ok(users.resources.length >= 2);
    const pages = events.filter((e) => e.event === 'page');
    assert.ok(pages.length >= 2, JSON.stringify(events));
    assert.deepEqual(Object.keys(pages[0]).sort(), ['event', 'pages', 'records', 'total']);
  });

  test('a time limit stops the call and the pool goes on', async () => {
    const server = await slowServer(5_000);
    try {
      const started = Date.now();
      const err = await rejection(connector.run('get-user', scimConnection(server.url), { id: '42' }, { timeLimitMs: 500 }));
      assert.equal(err.kind, 'timeout');
      assert.ok(Date.now() - started < 3_000);
      const ok = await connector.run('get-user', connection, { id: connector.card('get-user').example_input.id });
      assert.ok(ok.user_name);
    } finally {
      await server.close();
    }
  });

  test('an AbortSignal cancels the call', async () => {
    const server = await slowServer(5_000);
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const err = await rejection(connector.run('get-user', scimConnection(server.url), { id: '42' }, { signal: controller.signal }));
      assert.equal(err.kind, 'aborted');
    } finally {
      await server.close();
    }
  });
});

describe('the process', () => {
  // A script that awaits a warm start, or forgets close(), must still end by itself: idle
  // workers do not hold it, and warming ones do until they are ready.
  test('ends by itself after a warm start and after calls without close()', () => {
    const index = new URL('../src/index.js', import.meta.url).href;
    const script = `import { Connector } from ${JSON.stringify(index)};
      const c = await Connector.start({ workers: 1, warm: true });
      const users = await c.run('list-users', JSON.parse(process.env.DATABRICKS_CONNECTION), {});
      console.log('ready', users.resources.length > 0);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(out.trim(), 'ready true');
  });
});

describe('timeouts mean what they mean under wasmtime', () => {
  test('an answer slower than the connect timeout but within the response timeout arrives', async () => {
    const server = await slowServer(1_200);
    try {
      const policy = { connect_timeout_ms: 300, response_timeout_ms: 5_000, retry_budget_ms: 0 };
      const user = await connector.run('get-user', scimConnection(server.url, policy), { id: '42' });
      assert.equal(user.user_name, 'slow@example.com');
    } finally {
      await server.close();
    }
  });

  test('an answer slower than the response timeout fails as a transport error', async () => {
    const server = await slowServer(3_000);
    try {
      const policy = { connect_timeout_ms: 300, response_timeout_ms: 500, retry_budget_ms: 0 };
      const err = await rejection(connector.run('get-user', scimConnection(server.url, policy), { id: '42' }));
      assert.equal(err.kind, 'transport');
      assert.match(err.message, /did not answer in time/);
    } finally {
      await server.close();
    }
  });
});
