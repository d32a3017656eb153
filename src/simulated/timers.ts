/**
 * A set of timers owned by one thing (a node, a pod) so they can all be cancelled at once.
 * Every timer is unref'd: simulated nodes must never keep a process (or a test run) alive.
 */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();

  /** Runs fn once after ms; errors are handed to onError instead of becoming unhandled rejections. */
  after(ms: number, fn: () => void | Promise<void>, onError: (error: unknown) => void = () => undefined): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      try {
        const result = fn();
        if (result instanceof Promise) result.catch(onError);
      } catch (error: unknown) {
        onError(error);
      }
    }, Math.max(0, ms));
    timer.unref();
    this.pending.add(timer);
  }

  /** Runs fn every ms until cleared; a run still in progress skips the next tick (no pile-up). */
  every(ms: number, fn: () => Promise<void>, onError: (error: unknown) => void = () => undefined): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      fn().catch(onError).finally(() => {
        busy = false;
      });
    }, Math.max(1, ms));
    timer.unref();
    this.pending.add(timer);
  }

  clear(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}
