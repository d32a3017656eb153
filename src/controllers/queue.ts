/**
 * A work queue of keys (client-go's rate-limited queue, small): a key is processed by one
 * worker at a time, added again while processing it runs once more afterwards, and failures
 * are retried with exponential back-off.
 */
export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly order: string[] = [];
  private readonly active = new Set<string>();
  private readonly again = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly sleepers: Array<() => void> = [];

  constructor(private readonly baseDelayMs = 5, private readonly maxDelayMs = 30_000) {}

  add(key: string): void {
    if (this.active.has(key)) {
      this.again.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.sleepers.shift()?.();
  }

  addAfter(key: string, delayMs: number): void {
    if (delayMs <= 0) return this.add(key);
    setTimeout(() => this.add(key), delayMs).unref();
  }

  /** Schedules a retry after a failure, backing off exponentially per key. */
  retry(key: string): void {
    const count = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, count);
    this.addAfter(key, Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (count - 1)));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  get length(): number {
    return this.order.length;
  }

  private async next(signal: AbortSignal): Promise<string | undefined> {
    while (!signal.aborted) {
      const key = this.order.shift();
      if (key !== undefined) {
        this.queued.delete(key);
        this.active.add(key);
        return key;
      }
      await new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        // Woken by work: the abort listener goes, so long runs do not pile them up.
        this.sleepers.push(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
    return undefined;
  }

  private done(key: string): void {
    this.active.delete(key);
    if (this.again.delete(key)) this.add(key);
  }

  /** Runs `workers` loops calling `handle` per key until the signal aborts; a throw retries the key. */
  async run(workers: number, handle: (key: string) => Promise<void>, signal: AbortSignal, log?: (message: string, fields?: Record<string, unknown>) => void): Promise<void> {
    const loop = async (): Promise<void> => {
      for (let key = await this.next(signal); key !== undefined; key = await this.next(signal)) {
        try {
          await handle(key);
          this.forget(key);
        } catch (error: unknown) {
          if (!signal.aborted) log?.('sync failed; retrying', { key, error: error instanceof Error ? error.message : String(error) });
          this.retry(key);
        } finally {
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, loop));
  }
}
