export interface BackOffOptions {
  /** First delay (kubelet: 10 s). */
  initialMs?: number;
  /** Cap of the doubling (kubelet: 5 min). */
  maxMs?: number;
  /**
   * A failure more than this long after the entry's last update starts over at the initial
   * delay (flowcontrol's hasExpired; kubelet sets 10 min for containers: one that ran that
   * long is forgiven). Default: `maxMs`, client-go's default.
   */
  resetAfterMs?: number;
  /** The clock, in epoch milliseconds. */
  now?: () => number;
}

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

/**
 * kubelet's crash-loop and image-pull back-off (client-go flowcontrol.Backoff, no jitter): an
 * entry per key holds a delay that starts at `initialMs` and doubles at each new failure up to
 * `maxMs`. A failure long enough after the last update (`resetAfterMs`) resets the delay, and
 * an entry untouched for twice the maximum is forgotten (kubelet's periodic GC).
 */
export class BackOff {
  private readonly entries = new Map<string, Entry>();
  readonly initialMs: number;
  readonly maxMs: number;
  private readonly resetAfterMs: number;
  private readonly now: () => number;

  constructor(options: BackOffOptions = {}) {
    this.initialMs = options.initialMs ?? 10_000;
    this.maxMs = options.maxMs ?? 300_000;
    this.resetAfterMs = options.resetAfterMs ?? this.maxMs;
    this.now = options.now ?? Date.now;
    if (!(this.initialMs > 0 && this.maxMs >= this.initialMs && this.resetAfterMs > 0)) {
      throw new Error(`Cannot create back-off: need 0 < initial (${this.initialMs}) <= max (${this.maxMs}) and resetAfter > 0`);
    }
  }

  /** True while the failure at `eventTime` is still within the key's current delay (IsInBackOffSince). */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const entry = this.live(key);
    if (!entry || this.expired(eventTime, entry)) return false;
    return this.now() - eventTime < entry.delayMs;
  }

  /** True while the key's last failure is within its current delay (IsInBackOffSinceUpdate). */
  inBackOff(key: string): boolean {
    const entry = this.live(key);
    return entry !== undefined && this.now() - entry.lastUpdate < entry.delayMs;
  }

  /**
   * Records another failure at `eventTime` (default now): the first, or one long after the last
   * update, sets the initial delay; later ones double it up to the cap.
   */
  next(key: string, eventTime = this.now()): void {
    const entry = this.live(key);
    const delayMs = entry && !this.expired(eventTime, entry) ? Math.min(entry.delayMs * 2, this.maxMs) : this.initialMs;
    this.entries.set(key, { delayMs, lastUpdate: this.now() });
  }

  /** The delay the key is currently held for (0 without an entry). */
  delayOf(key: string): number {
    return this.live(key)?.delayMs ?? 0;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets all keys starting with `prefix` (a pod's, when it goes). */
  forgetPrefix(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  private expired(eventTime: number, entry: Entry): boolean {
    return eventTime - entry.lastUpdate > this.resetAfterMs;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && this.now() - entry.lastUpdate > 2 * this.maxMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

/** Go's duration formatting for back-off messages: `10s`, `1m20s`, `5m0s`, `500ms`. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(3).replace(/0+$/, '')}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds - minutes * 60;
  if (minutes < 60) return `${minutes}m${Number.isInteger(rest) ? rest : rest.toFixed(3).replace(/0+$/, '')}s`;
  return `${Math.floor(minutes / 60)}h${minutes % 60}m${Math.round(rest)}s`;
}
