/**
 * kubelet's crash-loop and image-pull back-off (client-go flowcontrol.Backoff): an entry per
 * key holds a delay that starts at `initialMs` and doubles at each new failure up to `maxMs`.
 * An entry untouched for twice the maximum is forgotten, so a container that ran well for a
 * long time starts over at the initial delay.
 */
export class BackOff {
  private readonly entries = new Map<string, { delayMs: number; lastUpdate: number }>();

  constructor(readonly initialMs = 10_000, readonly maxMs = 300_000, private readonly now: () => number = Date.now) {}

  /** True while the failure at `eventTime` is still within the key's current delay. */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const entry = this.live(key);
    return entry !== undefined && this.now() - eventTime < entry.delayMs;
  }

  /** True while the key's last failure is within its current delay. */
  inBackOff(key: string): boolean {
    const entry = this.live(key);
    return entry !== undefined && this.now() - entry.lastUpdate < entry.delayMs;
  }

  /** Records another failure: the first sets the initial delay, later ones double it. */
  next(key: string): void {
    const entry = this.live(key);
    const delayMs = entry ? Math.min(entry.delayMs * 2, this.maxMs) : this.initialMs;
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

  private live(key: string): { delayMs: number; lastUpdate: number } | undefined {
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
