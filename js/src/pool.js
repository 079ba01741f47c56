// A small pool of worker threads (src/worker.js), each running one card at a time. Calls wait in
// a queue when every worker is busy. A call that passes its time limit, or whose AbortSignal
// fires, stops the worker running it (a component call cannot be interrupted otherwise) and a
// new worker takes its place. Idle workers do not keep the process alive.

import { Worker } from 'node:worker_threads';

/** An error the pool rejects a call with; `kind` becomes the CardError's. */
const failure = (kind, message) => Object.assign(new Error(message), { kind });

export class Pool {
  #size;
  #idle = [];
  #all = new Set();
  #queue = [];
  #next = 1;
  #closed = false;

  #timeLimitMs;

  /** `timeLimitMs`: what the component is told a run may take (it bounds its waits by it). */
  constructor(size, timeLimitMs) {
    this.#size = size;
    this.#timeLimitMs = timeLimitMs;
  }

  /** Starts every worker and waits until each has its component instance. */
  async warm() {
    while (this.#all.size < this.#size) this.#idle.push(this.#spawn());
    // Held while warming, so that `await Connector.start({warm: true})` alone keeps the process up.
    const workers = [...this.#all];
    workers.forEach((worker) => worker.ref());
    await Promise.all(workers.map((worker) => worker.ready));
    workers.filter((worker) => !worker.job).forEach((worker) => worker.unref());
  }

  /** Runs `task` ({card, args, allowed, timeLimitMs}); settles with the worker's answer. */
  run(task, { signal, onProgress } = {}) {
    if (this.#closed) return Promise.reject(failure('closed', 'closed'));
    return new Promise((resolve, reject) => {
      const job = { task: { ...task, id: this.#next++ }, resolve, reject, signal, onProgress };
      if (signal?.aborted) return reject(failure('aborted', 'aborted'));
      job.onAbort = () => this.#stop(job, 'aborted', 'the call was aborted');
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  /** Stops every worker; calls still waiting or running reject with kind `closed`. */
  async close() {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) this.#settle(job, failure('closed', 'closed'));
    await Promise.all([...this.#all].map((worker) => {
      if (worker.job) this.#settle(worker.job, failure('closed', 'closed'));
      return worker.terminate();
    }));
    this.#all.clear();
    this.#idle = [];
  }

  #dispatch() {
    while (this.#queue.length > 0) {
      const worker = this.#idle.pop() ?? (this.#all.size < this.#size ? this.#spawn() : null);
      if (!worker) return;
      const job = this.#queue.shift();
      worker.job = job;
      job.worker = worker;
      worker.ref();
      worker.postMessage(job.task);
    }
  }

  #spawn() {
    // The process's flags, but for `--input-type`, which a worker started from a file refuses.
    const execArgv = process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { timeLimitMs: this.#timeLimitMs }, execArgv });
    this.#all.add(worker);
    let markReady;
    worker.ready = new Promise((resolve) => (markReady = resolve));
    worker.on('message', (message) => {
      if ('ready' in message) {
        markReady();
        if (!message.ready) this.#lost(worker, message.message);
        return;
      }
      const job = worker.job;
      if (!job || message.id !== job.task.id) return;
      if (message.started) {
        // The time limit counts from the start of the call, not from its wait in the queue or
        // the worker's start.
        const limit = job.task.timeLimitMs;
        job.timer = setTimeout(() => this.#stop(job, 'timeout', `the card did not finish within ${limit} ms`), limit + GRACE_MS);
        return;
      }
      if (message.progress) {
        job.onProgress?.(message.progress);
        return;
      }
      worker.job = null;
      worker.unref();
      this.#idle.push(worker);
      this.#settle(job, null, message);
      this.#dispatch();
    });
    worker.on('error', (err) => this.#lost(worker, err.message));
    worker.on('exit', () => {
      markReady();
      this.#lost(worker, 'the worker stopped');
    });
    // After the listeners: attaching one holds the worker again.
    worker.unref();
    return worker;
  }

  /** A worker died: its call fails, and it is replaced on the next dispatch. */
  #lost(worker, why) {
    if (!this.#all.delete(worker)) return;
    this.#idle = this.#idle.filter((w) => w !== worker);
    if (worker.job) this.#settle(worker.job, failure('internal', `the worker running the card failed: ${why}`));
    worker.job = null;
    this.#dispatch();
  }

  /** Ends `job` with `kind`: out of the queue if it waits there, else by stopping its worker. */
  #stop(job, kind, message) {
    const error = failure(kind, message);
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      return this.#settle(job, error);
    }
    const worker = job.worker;
    if (!worker || worker.job !== job) return;
    this.#all.delete(worker);
    worker.job = null;
    this.#settle(job, error);
    worker.terminate();
    this.#dispatch();
  }

  #settle(job, error, answer) {
    if (job.settled) return;
    job.settled = true;
    clearTimeout(job.timer);
    job.signal?.removeEventListener('abort', job.onAbort);
    if (error) job.reject(error);
    else job.resolve(answer);
  }
}

/** How long past its own time limit a card may take to return before its worker is stopped: the
 * component bounds its waits by the limit it is told, so it normally answers first. */
const GRACE_MS = 1000;
