'use strict';
// Checks the generic catalog → n8n mapping on the whole catalog (no n8n needed):
// `node --test test/` from n8n/ once `npm install` has linked databricks-account-connector.

const test = require('node:test');
const assert = require('node:assert/strict');
const catalog = require('databricks-account-connector/catalog.json');
const schema = require('../nodes/DatabricksAccount/schema');
const { connectionFromCredentials } = require('../nodes/DatabricksAccount/connection');

const props = schema.buildProperties(catalog);
const show = (p) => (p.displayOptions && p.displayOptions.show) || {};

test('one resource per category, one operation per card', () => {
  const categories = [...new Set(catalog.cards.map((c) => c.category))];
  const resource = props.find((p) => p.name === 'resource');
  assert.deepEqual(resource.options.map((o) => o.value).sort(), [...categories].sort());
  const ops = props.filter((p) => p.name === 'operation');
  assert.equal(ops.length, categories.length);
  const values = ops.flatMap((p) => p.options.map((o) => o.value));
  assert.equal(values.length, catalog.cards.length);
  assert.deepEqual(new Set(values), new Set(catalog.cards.map((c) => c.id)));
  for (const op of ops) for (const o of op.options) {
    const card = catalog.cards.find((c) => c.id === o.value);
    assert.equal(o.name.endsWith('(changes state)'), !!card.changes_state, o.value);
    assert.ok(o.description.length > 0);
  }
});

test('every input field is a parameter of its operation, required ones required', () => {
  for (const card of catalog.cards) {
    const mine = props.filter((p) => (show(p).operation || []).includes(card.id));
    const required = new Set(card.input.required || []);
    const extra = mine.find((p) => p.name === 'additionalFields');
    for (const field of Object.keys(card.input.properties || {})) {
      const name = field === 'resource' ? 'resource_field' : field;
      if (required.has(field)) {
        const p = mine.find((q) => q.name === name);
        assert.ok(p, `${card.id}.${field}`);
        assert.equal(p.required, true, `${card.id}.${field}`);
        assert.ok(['string', 'number', 'boolean', 'options', 'json'].includes(p.type));
      } else {
        assert.ok(extra && extra.options.some((q) => q.name === name), `${card.id}.${field} optional`);
      }
    }
  }
});

test('types follow the schema', () => {
  const byCard = (id) => props.filter((p) => (show(p).operation || []).includes(id));
  const createUser = byCard('create-user');
  assert.equal(createUser.find((p) => p.name === 'user_name').type, 'string');
  const extra = createUser.find((p) => p.name === 'additionalFields');
  assert.equal(extra.options.find((p) => p.name === 'active').type, 'boolean');
  const listUsers = byCard('list-users').find((p) => p.name === 'additionalFields').options;
  const sort = listUsers.find((p) => p.name === 'sort_order');
  assert.equal(sort.type, 'options');
  assert.deepEqual(sort.options.map((o) => o.value), ['ascending', 'descending']);
  assert.equal(listUsers.find((p) => p.name === 'pages').type, 'json');
  assert.equal(listUsers.find((p) => p.name === 'attributes').type, 'json');
});

test('list outputs split into records, single records do not', () => {
  const get = (id) => schema.recordsKey(catalog.cards.find((c) => c.id === id).output);
  assert.equal(get('list-users'), 'resources');
  assert.equal(get('list-groups'), 'resources');
  assert.equal(get('get-user'), null);
  assert.equal(get('get-group'), null);
  assert.equal(get('get-workspace'), null);
});

test('input: unset optional fields are omitted, JSON parsed, errors name the field', () => {
  const card = catalog.cards.find((c) => c.id === 'list-users');
  assert.deepEqual(schema.buildInput(card, () => undefined, {}), {});
  assert.deepEqual(
    schema.buildInput(card, () => undefined, { filter: 'userName sw "a"', sort_by: '', pages: '{"all": {"limit": 5}}' }),
    { filter: 'userName sw "a"', pages: { all: { limit: 5 } } },
  );
  assert.throws(() => schema.buildInput(card, () => undefined, { pages: '{nope' }), /Pages.*\(pages\) is not valid JSON/);
  const create = catalog.cards.find((c) => c.id === 'create-user');
  assert.deepEqual(schema.buildInput(create, (n) => ({ user_name: 'a@example.com' })[n], { active: false }), {
    user_name: 'a@example.com',
    active: false,
  });
});

test('connection from credentials', () => {
  assert.deepEqual(
    connectionFromCredentials({
      cloud: 'aws',
      accountId: 'acc',
      authentication: 'oauth_m2m',
      clientId: 'id',
      clientSecret: 's',
      servicePrincipalId: '',
      secretId: 'sec',
      scopes: 'all-apis, scim',
      hostOverride: 'http://127.0.0.1:1',
    }),
    {
      cloud: 'aws',
      account_id: 'acc',
      auth: { oauth_m2m: { client_id: 'id', client_secret: 's', secret_id: 'sec', scopes: ['all-apis', 'scim'] } },
      host_override: 'http://127.0.0.1:1',
    },
  );
  assert.deepEqual(connectionFromCredentials({ cloud: 'gcp', accountId: 'a', authentication: 'scim_token', token: 't' }), {
    cloud: 'gcp',
    account_id: 'a',
    auth: { scim_token: { token: 't' } },
  });
});

test('the node and credential classes load outside n8n', () => {
  const { DatabricksAccount } = require('../nodes/DatabricksAccount/DatabricksAccount.node');
  const { DatabricksAccountApi } = require('../credentials/DatabricksAccountApi.credentials');
  const node = new DatabricksAccount();
  assert.equal(node.description.name, 'databricksAccount');
  assert.deepEqual(node.description.credentials, [{ name: 'databricksAccountApi', required: true }]);
  assert.ok(node.description.properties.length > catalog.cards.length);
  const cred = new DatabricksAccountApi();
  assert.equal(cred.name, 'databricksAccountApi');
  const auth = cred.properties.find((p) => p.name === 'authentication');
  assert.deepEqual(auth.options.map((o) => o.value).sort(), ['oauth_m2m', 'oauth_u2m', 'scim_token']);
  // Every auth variant of the connection schema has a choice.
  const variants = catalog.connection.properties.auth.oneOf.map((v) => Object.keys(v.properties)[0]).sort();
  assert.deepEqual(auth.options.map((o) => o.value).sort(), variants);
  for (const p of cred.properties) if (/secret|token/i.test(p.name) && !/Id$/.test(p.name) && p.type === 'string') assert.ok(p.typeOptions && p.typeOptions.password, p.name);
  const cloud = cred.properties.find((p) => p.name === 'cloud');
  assert.deepEqual(cloud.options.map((o) => o.value), catalog.connection.properties.cloud.enum);
});

test('connection → credential → connection round-trips', () => {
  const { credentialsFromConnection } = require('../nodes/DatabricksAccount/connection');
  const conns = [
    {
      cloud: 'aws',
      account_id: 'a',
      auth: { oauth_m2m: { client_id: 'c', client_secret: 's', service_principal_id: '42', secret_id: 'x', scopes: ['all-apis'] } },
      host_override: 'http://127.0.0.1:9',
    },
    { cloud: 'azure', account_id: 'a', auth: { scim_token: { token: 't' } } },
    { cloud: 'gcp', account_id: 'a', auth: { oauth_u2m: { client_id: 'c', access_token: 'at', access_token_expires_at: 1700000000, refresh_token: 'r' } } },
  ];
  for (const c of conns) assert.deepEqual(connectionFromCredentials(credentialsFromConnection(c)), c);
});

test('a field naming an object a card lists is a drop-down that card fills', () => {
  const { DatabricksAccount } = require('../nodes/DatabricksAccount/DatabricksAccount.node');
  const node = new DatabricksAccount();
  const getWorkspace = props.find((p) => p.name === 'workspace_id' && (show(p).operation || []).includes('get-workspace'));
  assert.equal(getWorkspace.type, 'options');
  const method = getWorkspace.typeOptions.loadOptionsMethod;
  assert.equal(typeof node.methods.loadOptions[method], 'function', method);
  // A list of IDs is a multi-select.
  const budget = props.find((p) => p.name === 'additionalFields' && (show(p).operation || []).includes('update-budget'));
  const workspaceIds = budget.options.find((o) => o.name === 'workspace_ids');
  assert.equal(workspaceIds.type, 'multiOptions');
  // Every picker of the card list has its loader.
  for (const name of schema.pickers(catalog).keys()) assert.equal(typeof node.methods.loadOptions[name], 'function', name);
  assert.ok(schema.pickers(catalog).size >= 20);
  const picker = { card: 'list-workspaces', items: 'workspaces', value: 'workspace_id', label: 'workspace_name' };
  assert.deepEqual(schema.choices(picker, { workspaces: [{ workspace_id: 7, workspace_name: 'prod' }, { workspace_id: null }] }), [
    { name: 'prod', value: 7, description: '7' },
  ]);
});

// With a fake account (DATABRICKS_CONNECTION, as host-harness/tests/node_packages.rs sets it), the
// loaders run their cards for real.
test('the option loaders list choices from the account', { skip: !process.env.DATABRICKS_CONNECTION }, async () => {
  const { DatabricksAccount } = require('../nodes/DatabricksAccount/DatabricksAccount.node');
  const { credentialsFromConnection } = require('../nodes/DatabricksAccount/connection');
  const node = new DatabricksAccount();
  const credentials = credentialsFromConnection(JSON.parse(process.env.DATABRICKS_CONNECTION));
  const context = { getCredentials: async () => credentials, getNode: () => ({ name: 'Databricks Account', type: 'databricksAccount' }) };
  const users = await node.methods.loadOptions[schema.pickerMethod({ card: 'list-users', value: 'id', label: 'user_name' })].call(context);
  assert.ok(users.some((u) => u.name === 'ada.lovelace@example.com' && typeof u.value === 'string'), JSON.stringify(users));
  const workspaces = await node.methods.loadOptions[schema.pickerMethod({ card: 'list-workspaces', value: 'workspace_id', label: 'workspace_name' })].call(context);
  assert.ok(workspaces.length > 0 && workspaces.every((w) => w.value !== undefined), JSON.stringify(workspaces));
});
