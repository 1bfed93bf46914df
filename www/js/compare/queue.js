// The comparison's own line to the worker. The worker runs one call at a time anyway, but a
// call sent while others wait ahead of it would be timed with their wait in it: the table's
// tasks (a family's samples, a live score, a few training steps) go one after another, each
// sent when the one before has settled. What the reader asks for (a button) goes before the
// work the table queued by itself and has not started yet (the first pass, "every family").

/** The Error a queued task gets when the queue is closed: `closed` is true, as for a closed lab, so nobody shows it. */
function closedError() {
  return Object.assign(new Error('the comparison was closed'), { closed: true });
}

export class WorkQueue {
  constructor() {
    this._urgent = [];
    this._background = [];
    this._running = false;
    this._closed = false;
  }

  /**
   * Runs `task` once the tasks queued before it have settled (an urgent one: once the task
   * under way has); resolves or rejects as it does.
   * @template T
   * @param {() => Promise<T>} task
   * @param {{urgent?: boolean}} [options]
   * @returns {Promise<T>}
   */
  add(task, { urgent = false } = {}) {
    if (this._closed) return Promise.reject(closedError());
    return new Promise((resolve, reject) => {
      (urgent ? this._urgent : this._background).push({ task, resolve, reject });
      this._pump();
    });
  }

  async _pump() {
    if (this._running) return;
    this._running = true;
    while (!this._closed) {
      const job = this._urgent.shift() ?? this._background.shift();
      if (!job) break;
      try {
        job.resolve(await job.task());
      } catch (e) {
        job.reject(e);
      }
    }
    this._running = false;
  }

  /** Drops the tasks not started yet (they reject with a `closed` Error); the one under way finishes. */
  close() {
    this._closed = true;
    const left = [...this._urgent, ...this._background];
    this._urgent = [];
    this._background = [];
    for (const job of left) job.reject(closedError());
  }
}
