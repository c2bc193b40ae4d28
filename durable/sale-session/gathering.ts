/**
 * Group commit for checkouts. SQLite commits what a turn of the event loop wrote in one commit,
 * and a commit costs far more than the statements in it (every page it wrote goes to the
 * write-ahead log, and the log is synced). Checkouts that arrive while the object is busy wait
 * here for the next turn and then run in it one after the other, so the registers' checkouts of
 * the same moment share a commit. Each still runs in its own SQL transaction, after the wait and
 * with no await between its checks and its writes, and is answered only once its commit is
 * durable (the output gate holds the answer until then), so nothing about a single checkout
 * changes but when it starts: at most one turn later.
 */
export class Gathering {
  private waiting: (() => void)[] = [];

  /** Resolves on the next turn, together with every other call made before it. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (this.waiting.length === 1) setTimeout(() => this.release(), 0);
    });
  }

  private release() {
    const waiting = this.waiting;
    this.waiting = [];
    // In arrival order; each continues in this turn's microtasks, before anything else runs.
    for (const resolve of waiting) resolve();
  }
}
