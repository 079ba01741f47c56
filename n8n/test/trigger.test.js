'use strict';
// The trigger node: its events and fields from the catalog's polling triggers, the items of a poll,
// and (with a fake account, DATABRICKS_CONNECTION) polls that keep their cursor in the workflow's
// static data: a baseline first, then only what is new.

const test = require('node:test');
const assert = require('node:assert/strict');
const catalog = require('databricks-account-connector/catalog.json');
const { DatabricksAccountTrigger, itemsOf } = require('../nodes/DatabricksAccount/DatabricksAccountTrigger.node');
const { credentialsFromConnection } = require('../nodes/DatabricksAccount/connection');

const triggers = catalog.cards.filter((c) => c.trigger).map((c) => c.id);

test('one event per polling trigger, with its fields but never its cursor', () => {
  const { description } = new DatabricksAccountTrigger();
  assert.equal(description.polling, true);
  assert.deepEqual(description.inputs, []);
  const event = description.properties.find((p) => p.name === 'event');
  assert.deepEqual(event.options.map((o) => o.value), triggers);
  assert.ok(triggers.includes('poll-new-users') && triggers.length >= 6, triggers.join());
  assert.ok(!description.properties.some((p) => p.name === 'cursor' || (p.options || []).some((o) => o.name === 'cursor')));
  const shown = (id) => description.properties.filter((p) => p.displayOptions && p.displayOptions.show.event.includes(id));
  assert.match(shown('poll-new-users')[0].displayName, /no more often than every 5 minutes/);
  assert.equal(shown('poll-group-membership-changes').find((p) => p.name === 'group_id').required, true);
  const within = shown('poll-expiring-secrets').find((p) => p.name === 'additionalFields').options.find((o) => o.name === 'within_days');
  assert.equal(within.type, 'number');
});

test('a poll emits each entry of the lists, saying which list when there are several', () => {
  assert.deepEqual(itemsOf({ users: [{ id: '1' }], next_cursor: 'c', total: 3 }), [{ json: { id: '1' } }]);
  assert.deepEqual(itemsOf({ added: [{ value: '1' }], removed: ['2'], next_cursor: 'c' }), [
    { json: { value: '1', change: 'added' } },
    { json: { value: '2', change: 'removed' } },
  ]);
  assert.deepEqual(itemsOf({ users: [], next_cursor: 'c' }), []);
});

test('polls keep their cursor: a baseline, then only what is new', { skip: !process.env.DATABRICKS_CONNECTION }, async () => {
  const connection = JSON.parse(process.env.DATABRICKS_CONNECTION);
  const credentials = credentialsFromConnection(connection);
  const node = new DatabricksAccountTrigger();
  const poll = (params, state, mode = 'trigger') =>
    node.poll.call({
      getNode: () => ({ name: 'Databricks Account Trigger', type: 'databricksAccountTrigger' }),
      getNodeParameter: (name, fallback) => (name in params ? params[name] : fallback),
      getCredentials: async () => credentials,
      getWorkflowStaticData: () => state,
      getMode: () => mode,
    });
  const state = {};
  const users = { event: 'poll-new-users' };
  assert.equal(await poll(users, state), null, 'the first poll records a baseline');
  assert.match(state.cursor, /^v1\./);

  const { Connector } = await import('databricks-account-connector');
  const direct = await Connector.start({ workers: 1 });
  try {
    const created = await direct.run('create-user', connection, { user_name: 'trigger.test@example.com' });
    const [items] = await poll(users, state);
    assert.deepEqual(items.map((i) => i.json.id), [created.id]);
    assert.equal(items[0].json.user_name, 'trigger.test@example.com');
    assert.equal(await poll(users, state), null, 'nothing new since');

    // Another event starts over rather than passing another card's cursor.
    const before = state.cursor;
    assert.equal(await poll({ event: 'poll-new-groups' }, state), null);
    assert.notEqual(state.cursor, before);
    // A test poll from the editor shows what it recorded.
    const [[shown]] = await poll(users, {}, 'manual');
    assert.equal(shown.json.baseline, true);
    assert.equal(shown.json.next_cursor, undefined);
    await direct.run('delete-user', connection, { id: created.id });
  } finally {
    await direct.close();
  }
});
