// The component's stderr in Node: progress lines (`databricks-account:progress {json}`, written
// by the plugin's progress.rs) become events for the caller; other text (a panic message,
// mostly) is kept, up to a bound, for the error a trap turns into. Nothing reaches the process's
// own stderr. The checks match the wasmtime host's (host-harness/src/progress.rs): an event is
// passed on only with the fields it should have and plain words, so it never carries a record,
// a URL or a secret.

const PREFIX = 'databricks-account:progress ';
const KEPT_CAPACITY = 64 * 1024;
const LONGEST_LINE = 4096;

const plain = (word) => typeof word === 'string' && /^[A-Za-z0-9_ -]{1,40}$/.test(word);
const count = (n) => Number.isSafeInteger(n) && n >= 0;

/** The event in a progress line, or null. */
export function parseProgress(line) {
  if (!line.startsWith(PREFIX)) return null;
  let event;
  try {
    event = JSON.parse(line.slice(PREFIX.length));
  } catch {
    return null;
  }
  switch (event?.event) {
    case 'page':
      return count(event.pages) && count(event.records) && (event.total == null || count(event.total))
        ? { event: 'page', pages: event.pages, records: event.records, total: event.total ?? null }
        : null;
    case 'retrying':
      return ['throttled', 'unavailable'].includes(event.reason) && count(event.attempt) && count(event.after_ms)
        ? { event: 'retrying', reason: event.reason, attempt: event.attempt, after_ms: event.after_ms }
        : null;
    case 'waiting':
      return plain(event.what) && plain(event.status) && count(event.elapsed_ms)
        ? { event: 'waiting', what: event.what, status: event.status, elapsed_ms: event.elapsed_ms }
        : null;
    default:
      return null;
  }
}

/**
 * An object that is an `OutputStream` of the shim (so jco accepts it as the component's stderr)
 * but hands progress events to `onProgress` and keeps other text, instead of writing to a file
 * descriptor. `ready` is a pollable that is always ready.
 */
export function capturingStderr(OutputStream, ready, onProgress) {
  let line = '';
  let kept = '';
  const decoder = new TextDecoder();
  const take = (bytes) => {
    line += decoder.decode(bytes, { stream: true });
    let newline;
    while ((newline = line.indexOf('\n')) >= 0) {
      const text = line.slice(0, newline);
      line = line.slice(newline + 1);
      const event = text.length <= LONGEST_LINE ? parseProgress(text) : null;
      if (event) onProgress(event);
      else if (kept.length < KEPT_CAPACITY) kept += `${text}\n`.slice(0, KEPT_CAPACITY - kept.length);
    }
  };
  const stream = Object.create(OutputStream.prototype);
  Object.assign(stream, {
    checkWrite: () => BigInt(KEPT_CAPACITY),
    write: take,
    blockingWriteAndFlush: take,
    flush() {},
    blockingFlush() {},
    writeZeroes() {},
    blockingWriteZeroesAndFlush() {},
    subscribe: () => ready(),
    [Symbol.dispose]() {},
  });
  const clear = () => {
    kept = '';
    line = '';
  };
  return { stream, kept: () => kept + line, clear };
}
