// The Databricks account connector for Node.js: every card of the databricks-account component,
// called with the same JSON as the CLI and the card list, asynchronously, in worker threads.
//
//   import { Connector } from 'databricks-account-connector';
//   const connector = await Connector.start();
//   const users = await connector.run('list-users', connection, { filter: 'userName sw "a"' });
//   await connector.close();

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Codec } from './codec.js';
import { InputError } from './codec.js';
import { allowedOrigins } from './outbound.js';
import { CardError } from './errors.js';
import { Pool } from './pool.js';

export { CardError };

const dist = new URL('../dist/', import.meta.url);
const readJson = (name) => JSON.parse(readFileSync(new URL(name, dist), 'utf8'));

/** The card list: each card as `databricks-account describe CARD` prints it (metadata, example
 * input, and JSON Schemas of its input and output), plus the connection's and error's schemas. */
export const catalog = readJson('catalog.json');
const signatures = readJson('signatures.json');
const codec = new Codec(signatures.types);

/** A run's time limit when neither the call nor the connector sets one (the wasmtime host's). */
export const DEFAULT_TIME_LIMIT_MS = 60_000;

const positiveInteger = (value, name) => {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer`);
  return value;
};

export class Connector {
  #pool;
  #timeLimitMs;

  /** Use {@link Connector.start}. */
  constructor({ workers, timeLimitMs } = {}) {
    this.#timeLimitMs = positiveInteger(timeLimitMs ?? DEFAULT_TIME_LIMIT_MS, 'timeLimitMs');
    this.#pool = new Pool(positiveInteger(workers ?? Math.min(4, availableParallelism()), 'workers'), this.#timeLimitMs);
  }

  /**
   * A connector with up to `workers` cards running at once (default: the CPUs, at most 4) and a
   * default time limit per call. Workers start on first use; with `warm: true` every worker is
   * started (a few seconds each, in parallel) before this resolves, so no call waits for one.
   */
  static async start({ warm = false, ...options } = {}) {
    const connector = new Connector(options);
    if (warm) await connector.#pool.warm();
    return connector;
  }

  /** Every card, as in {@link catalog}. */
  get cards() {
    return catalog.cards;
  }

  /** One card of the card list, or undefined. */
  card(id) {
    return catalog.cards.find((card) => card.id === id);
  }

  /**
   * Runs a card. `connection` and `input` are the CLI's JSON (snake_case keys, variants as
   * {"case": payload}); they are checked against the card's types before anything runs, and
   * any unknown key, wrong type or missing field rejects with a CardError of kind
   * `invalid_input` naming the field. Resolves to the card's output as JSON; 64-bit integers
   * are Numbers when safe, else decimal strings.
   *
   * `timeLimitMs` bounds this call (default: the connector's); the component itself is told the
   * connector's limit, which its waits stay within, so a shorter limit on one call stops that
   * call's worker when it passes instead of letting a wait return early with its last status.
   */
  async run(card, connection, input, { timeLimitMs, signal, onProgress } = {}) {
    const signature = Object.hasOwn(signatures.cards, card) ? signatures.cards[card] : undefined;
    if (!signature) throw new CardError(String(card), 'unknown_card', null, `no card is called ${card}`);
    const limit = positiveInteger(timeLimitMs ?? this.#timeLimitMs, 'timeLimitMs');
    let args;
    try {
      args = signature.params.map(([, role, type]) =>
        role === 'connection' ? codec.lower(connection, type, 'connection') : codec.lower(input ?? {}, type, 'input'),
      );
      if (!signature.params.some(([, role]) => role === 'input') && input != null && Object.keys(input).length > 0) {
        throw new InputError('input', 'this card takes no input');
      }
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const error = { invalid_input: { field: err.path, reason: err.reason } };
      throw CardError.fromCardError(card, error);
    }
    // The worker gets the origins it may reach, decided here once; the secrets travel in `args`,
    // to the component only.
    const task = { card, args, allowed: allowedOrigins(connection, catalog.clouds), timeLimitMs: limit };
    let answer;
    try {
      answer = await this.#pool.run(task, { signal, onProgress });
    } catch (err) {
      throw new CardError(card, err.kind ?? 'internal', null, err.message);
    }
    if (answer.error !== undefined) throw CardError.fromCardError(card, answer.error);
    if (answer.failure) throw new CardError(card, answer.failure.kind, null, answer.failure.message);
    return answer.output;
  }

  /** Stops the workers; calls still running or waiting reject with kind `closed`. */
  async close() {
    await this.#pool.close();
  }
}
