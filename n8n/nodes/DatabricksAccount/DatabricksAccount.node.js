'use strict';
// The Databricks Account node: one operation per card of the connector, grouped into resources by
// the card's category. Resources, operations and fields are generated from the connector's
// catalog.json when n8n loads the node; no card is written out here.

const catalog = require('databricks-account-connector/catalog.json');
const { buildProperties, buildInput, recordsKey, cardFields, FieldError } = require('./schema');
const { CREDENTIAL_TYPE, connectionFromCredentials } = require('./connection');
const { errors, runCard, loadOptions } = require('./calls');

const cardsById = new Map(catalog.cards.map((c) => [c.id, c]));
const recordsKeys = new Map(catalog.cards.map((c) => [c.id, recordsKey(c.output)]));
const hasOptional = new Map(catalog.cards.map((c) => [c.id, cardFields(c).optional.length > 0]));

/**
 * The item a failed card leaves when the node continues on fail.
 * - Regular output ("Continue", the default): `{ error: <message>, kind, card, card_error }`.
 * - Error output ("Continue (using error output)"): n8n sends an item down the error output when its
 *   JSON is `{ error, message }` and nothing else (an item carrying an n8n error object instead
 *   loses its JSON), so there it is `{ message: <message>, error: <card error> }`, the card error
 *   being e.g. `{"not_found": {...}}` (the message again when the failure was not a card error).
 */
function failedItem(error, cardId, onError) {
  const ctx = (error && error.context) || {};
  const cardError = ctx.card_error;
  if (onError === 'continueErrorOutput') {
    return { message: error.message, error: cardError !== undefined ? cardError : error.message };
  }
  const json = { error: error.message };
  if (cardError !== undefined) {
    json.kind = ctx.kind;
    json.card_error = cardError;
  }
  json.card = cardId;
  return json;
}

class DatabricksAccount {
  constructor() {
    this.methods = { loadOptions: loadOptions() };
    this.description = {
      displayName: 'Databricks Account',
      name: 'databricksAccount',
      icon: 'file:databricks.svg',
      group: ['transform'],
      version: 1,
      subtitle: '={{$parameter["resource"] + ": " + $parameter["operation"]}}',
      description: `Administer a Databricks account: ${catalog.cards.length} operations (users, groups, service principals, workspaces, networking, billing and more)`,
      defaults: { name: 'Databricks Account' },
      inputs: ['main'],
      outputs: ['main'],
      credentials: [{ name: CREDENTIAL_TYPE, required: true }],
      properties: buildProperties(catalog),
    };
  }

  async execute() {
    const { NodeOperationError } = errors();
    const items = this.getInputData();
    const node = this.getNode();
    const credentials = await this.getCredentials(CREDENTIAL_TYPE);
    let connection;
    try {
      connection = connectionFromCredentials(credentials);
    } catch (e) {
      throw new NodeOperationError(node, e.message);
    }
    const signal = typeof this.getExecutionCancelSignal === 'function' ? this.getExecutionCancelSignal() : undefined;
    const logger = this.logger;
    const results = [];

    for (let i = 0; i < items.length; i++) {
      const cardId = this.getNodeParameter('operation', i);
      try {
        const card = cardsById.get(cardId);
        if (!card) throw new NodeOperationError(node, `Unknown operation '${cardId}'`, { itemIndex: i });
        let input;
        try {
          const additional = hasOptional.get(cardId) ? this.getNodeParameter('additionalFields', i, {}) : {};
          input = buildInput(card, (name) => this.getNodeParameter(name, i), additional);
        } catch (e) {
          if (e instanceof FieldError) {
            throw new NodeOperationError(node, e.message, {
              itemIndex: i,
              description: `Card '${cardId}', field '${e.field}'`,
            });
          }
          throw e;
        }
        const runOptions = this.getNodeParameter('runOptions', i, {}) || {};
        const seconds = Number(runOptions.timeLimitSeconds);
        const timeLimitMs = seconds > 0 ? Math.max(1, Math.round(seconds * 1000)) : undefined;
        const output = await runCard(
          node,
          cardId,
          connection,
          input,
          {
            timeLimitMs,
            signal,
            onProgress: (event) => {
              if (logger) logger.debug(`Databricks ${cardId}: ${JSON.stringify(event)}`);
            },
          },
          i,
        );

        const key = recordsKeys.get(cardId);
        const split = key ? this.getNodeParameter('splitRecords', i, true) : false;
        if (split && output && Array.isArray(output[key])) {
          for (const record of output[key]) results.push({ json: record, pairedItem: { item: i } });
        } else if (output && typeof output === 'object' && !Array.isArray(output)) {
          results.push({ json: output, pairedItem: { item: i } });
        } else {
          results.push({ json: { output }, pairedItem: { item: i } });
        }
      } catch (error) {
        if (this.continueOnFail()) {
          results.push({ json: failedItem(error, cardId, node.onError), pairedItem: { item: i } });
          continue;
        }
        throw error;
      }
    }
    return [results];
  }
}

module.exports = { DatabricksAccount };
