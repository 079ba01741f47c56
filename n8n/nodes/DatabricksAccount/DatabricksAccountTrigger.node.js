'use strict';
// The Databricks Account Trigger node: n8n polls one of the connector's polling triggers (the cards
// the catalog marks with `trigger`) on the workflow's schedule. The node keeps the card's cursor in
// the workflow's static data, so each poll emits only what changed since the last one; the first
// poll records a baseline and emits nothing. Events and fields come from catalog.json.

const catalog = require('databricks-account-connector/catalog.json');
const { buildInput, fieldProperties, displayName, FieldError } = require('./schema');
const { CREDENTIAL_TYPE, connectionFromCredentials } = require('./connection');
const { errors, runCard, loadOptions } = require('./calls');

/** The cursor is the node's own state, never a parameter. */
const CURSOR = 'cursor';

/** The card as the node shows it: its input without the cursor. */
function withoutCursor(card) {
  const schema = card.input;
  if (!schema || !schema.properties) return card;
  const { [CURSOR]: _c, ...properties } = schema.properties;
  return { ...card, input: { ...schema, properties, required: (schema.required || []).filter((r) => r !== CURSOR) } };
}

const triggers = catalog.cards.filter((c) => c.trigger);
const byId = new Map(triggers.map((c) => [c.id, withoutCursor(c)]));

function every(seconds) {
  if (seconds % 3600 === 0) return seconds === 3600 ? 'hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? 'minute' : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

function buildTriggerProperties() {
  const properties = [
    {
      displayName: 'Event',
      name: 'event',
      type: 'options',
      noDataExpression: true,
      options: triggers.map((c) => ({ name: c.label, value: c.id, description: c.description })),
      default: triggers.length ? triggers[0].id : '',
    },
  ];
  for (const card of triggers) {
    const show = { show: { event: [card.id] } };
    properties.push({
      displayName: `Poll no more often than every ${every(card.trigger.min_interval_seconds)}: more often spends the account's Databricks request limits`,
      name: `notice_${card.id.replace(/-/g, '_')}`,
      type: 'notice',
      default: '',
      displayOptions: show,
    });
    properties.push(...fieldProperties(byId.get(card.id), show));
  }
  return properties;
}

/**
 * The items of one poll: every entry of the output's lists (`users`, `changes`, `added`, ...). When
 * the output has more than one list (joined and left members), each item says which (`change`). An
 * entry that is not an object (a removed member's ID) becomes `{ value }`.
 */
function itemsOf(output) {
  const lists = Object.entries(output || {}).filter(([, v]) => Array.isArray(v));
  const items = [];
  for (const [name, entries] of lists) {
    for (const entry of entries) {
      const json = entry && typeof entry === 'object' ? { ...entry } : { value: entry };
      if (lists.length > 1) json.change = name;
      items.push({ json });
    }
  }
  return items;
}

class DatabricksAccountTrigger {
  constructor() {
    this.methods = { loadOptions: loadOptions() };
    this.description = {
      displayName: 'Databricks Account Trigger',
      name: 'databricksAccountTrigger',
      icon: 'file:databricks.svg',
      group: ['trigger'],
      version: 1,
      subtitle: '={{$parameter["event"]}}',
      description: `Starts a workflow when something changes in a Databricks account: ${triggers.map((c) => displayName(c.id.replace(/^poll-/, '').replace(/-/g, '_')).toLowerCase()).join(', ')}`,
      defaults: { name: 'Databricks Account Trigger' },
      polling: true,
      inputs: [],
      outputs: ['main'],
      credentials: [{ name: CREDENTIAL_TYPE, required: true }],
      properties: buildTriggerProperties(),
    };
  }

  async poll() {
    // n8n's error classes are required only to throw one: a poll also runs outside n8n (the tests).
    const operationError = (...args) => new (errors().NodeOperationError)(...args);
    const node = this.getNode();
    const cardId = this.getNodeParameter('event');
    const card = byId.get(cardId);
    if (!card) throw operationError(node, `Unknown event '${cardId}'`);
    let connection;
    let input;
    try {
      connection = connectionFromCredentials(await this.getCredentials(CREDENTIAL_TYPE));
      input = buildInput(card, (name) => this.getNodeParameter(name), this.getNodeParameter('additionalFields', {}));
    } catch (e) {
      throw operationError(node, e.message, e instanceof FieldError ? { description: `Event '${cardId}', field '${e.field}'` } : {});
    }
    // A cursor belongs to one event with one set of fields on one account: other settings start over.
    const state = this.getWorkflowStaticData('node');
    const key = JSON.stringify([cardId, input, connection.cloud, connection.account_id, connection.host_override || null]);
    const cursor = state.key === key ? state.cursor : undefined;
    const output = await runCard(node, cardId, connection, cursor ? { ...input, cursor } : input);
    state.key = key;
    state.cursor = output.next_cursor;
    const items = itemsOf(output);
    if (items.length) return [items];
    // A test poll from the editor has nothing to show on a baseline: it shows what was recorded.
    if (this.getMode() === 'manual') {
      const { next_cursor: _c, ...summary } = output;
      return [[{ json: { ...summary, note: 'Recorded what exists now; the next polls emit what changes after this.' } }]];
    }
    return null;
  }
}

module.exports = { DatabricksAccountTrigger, itemsOf };
