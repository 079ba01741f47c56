// The one error a call rejects with. A flow branches on `kind`:
// - a card-error case, when the card answered with one (`not_found`, `conflict`,
//   `invalid_input`, `rate_limited`, …); `error` is that card-error as the CLI prints it,
//   e.g. {"not_found": {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "…", "status": 404}};
//   the package's own input checks answer `invalid_input` the same way, before any call;
// - `timeout` (the call's time limit passed; the worker running it was stopped), `aborted` (the
//   caller's AbortSignal fired), `unknown_card`, `closed` (the connector was closed), `trap` or
//   `internal` (a defect: the component or this package failed); `error` is then null.

/** Why a card call failed: `kind` to branch on, `error` the card-error JSON, `message` for people. */
export class CardError extends Error {
  constructor(card, kind, error, message) {
    super(`${card}: ${message}`);
    this.name = 'CardError';
    this.card = card;
    this.kind = kind;
    this.error = error;
  }

  /** From a card-error as JSON (`{"case": payload}` or `"case"`). */
  static fromCardError(card, error) {
    const [kind, payload] = typeof error === 'string' ? [error, null] : Object.entries(error)[0];
    // The component names fields by their WIT names (`connection.account-id`); callers write JSON.
    if (kind === 'invalid_input' && typeof payload?.field === 'string') payload.field = payload.field.replaceAll('-', '_');
    return new CardError(card, kind, error, describe(kind, payload));
  }

  toJSON() {
    return { card: this.card, kind: this.kind, error: this.error, message: this.message };
  }
}

function describe(kind, payload) {
  const words = kind.replaceAll('_', ' ');
  if (payload == null) return words;
  if (typeof payload === 'string') return `${words}: ${payload}`;
  if (typeof payload.field === 'string') return `${words}: ${payload.field}: ${payload.reason ?? ''}`.trim();
  // rate-limit wraps the api-error and may say when to retry.
  const api = payload.error ?? payload;
  const details = [api.status && `HTTP ${api.status}`, api.error_code].filter(Boolean).join(', ');
  const retry = payload.retry_after_seconds != null ? `; retry after ${payload.retry_after_seconds} s` : '';
  return `${words}: ${api.message ?? ''}${details ? ` (${details})` : ''}${retry}`;
}
