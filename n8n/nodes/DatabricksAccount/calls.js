'use strict';
// What both nodes share: the connector (one per n8n process), card errors as n8n errors, and the
// option loaders of the pickers.

const catalog = require('databricks-account-connector/catalog.json');
const { pickers, choices } = require('./schema');
const { CREDENTIAL_TYPE, connectionFromCredentials } = require('./connection');

// The error classes must be n8n's own, so the editor and the executor recognise them: n8n puts its
// node_modules on NODE_PATH before it loads custom nodes. Required when first needed, so the node's
// description also loads outside n8n (the build's check, the tests).
let n8nWorkflow;
function errors() {
  if (!n8nWorkflow) n8nWorkflow = require('n8n-workflow');
  return n8nWorkflow;
}

// One connector per n8n process, started on first use and kept for later executions.
let started = null;
function connector() {
  if (!started) {
    started = import('databricks-account-connector')
      .then(async (m) => ({ connector: await m.Connector.start({ workers: 2 }), CardError: m.CardError }))
      .catch((e) => {
        started = null;
        throw e;
      });
  }
  return started;
}

function isCardError(e, CardError) {
  return (CardError && e instanceof CardError) || (e && e.name === 'CardError' && e.error !== undefined);
}

/** The card error's inner record (`{"not_found": {...}}` → `{...}`), if it is one. */
function innerError(cardError) {
  if (!cardError || typeof cardError !== 'object') return undefined;
  const keys = Object.keys(cardError);
  return keys.length === 1 && cardError[keys[0]] && typeof cardError[keys[0]] === 'object' ? cardError[keys[0]] : undefined;
}

/** A card error as the n8n error a workflow sees: NodeApiError when Databricks answered with an HTTP status. */
function toNodeError(node, e, itemIndex) {
  const { NodeApiError, NodeOperationError } = errors();
  const cardError = e.error;
  const inner = innerError(cardError);
  const description = cardError === null || cardError === undefined ? `${e.kind || 'error'} (no card error: the call itself failed)` : JSON.stringify(cardError, null, 2);
  // An API error's HTTP status; a rate-limit wraps the API error.
  const status = [inner && inner.status, inner && inner.error && inner.error.status].find((s) => typeof s === 'number');
  let err;
  if (status !== undefined) {
    err = new NodeApiError(node, cardError, { message: e.message, description, httpCode: String(status), itemIndex });
    // NodeApiError rewrites some messages from the HTTP code; keep the card's own words.
    err.message = e.message;
    err.description = description;
  } else {
    err = new NodeOperationError(node, e.message, { description, itemIndex });
  }
  err.context = { ...(err.context || {}), card: e.card, kind: e.kind, card_error: cardError === undefined ? null : cardError, itemIndex };
  return err;
}

/**
 * Runs a card on the process's connector; a failure is the n8n error a workflow sees (see
 * `toNodeError`), raised for `node` and item `itemIndex`.
 */
async function runCard(node, cardId, connection, input, options, itemIndex = 0) {
  const { connector: c, CardError } = await connector();
  try {
    return await c.run(cardId, connection, input, options);
  } catch (e) {
    if (isCardError(e, CardError)) throw toNodeError(node, e, itemIndex);
    throw new (errors().NodeOperationError)(node, e instanceof Error ? e : String(e), { itemIndex });
  }
}

/** n8n's option loaders: one per picker of the card list, running the card that lists the choices. */
function loadOptions() {
  const methods = {};
  for (const [name, picker] of pickers(catalog)) {
    methods[name] = async function () {
      const connection = connectionFromCredentials(await this.getCredentials(CREDENTIAL_TYPE));
      return choices(picker, await runCard(this.getNode(), picker.card, connection, {}));
    };
  }
  return methods;
}

module.exports = { errors, runCard, loadOptions };
