// The scheduling queue: an active heap (priority, then FIFO), a back-off area for pods that
// failed with an error or were moved while being scheduled, and an unschedulable area whose
// pods wait for a cluster change (or the periodic retry) to be tried again.
import type { Pod } from './types.js';

export interface QueuedPod {
  key: string;
  pod: Pod;
  /** When the pod entered the queue first (for end-to-end latency). */
  firstSeen: number;
  /** When it (re)entered the active queue: the FIFO order. */
  timestamp: number;
  attempts: number;
  /** Plugins that rejected it in its last attempt. */
  unschedulablePlugins: Set<string>;
}

type State = 'active' | 'backoff' | 'unschedulable' | 'inflight';

interface Entry {
  info: QueuedPod;
  state: State;
  /** Invalidates stale heap slots. */
  seq: number;
  backoffTimer?: NodeJS.Timeout;
  lastAttempt: number;
  moveCycleAtPop: number;
  updatedInFlight: boolean;
}

interface Slot {
  entry: Entry;
  seq: number;
  priority: number;
  timestamp: number;
}

class Heap {
  private readonly items: Slot[] = [];

  get size(): number {
    return this.items.length;
  }

  private less(a: Slot, b: Slot): boolean {
    return a.priority !== b.priority ? a.priority > b.priority : a.timestamp < b.timestamp;
  }

  push(slot: Slot): void {
    const items = this.items;
    items.push(slot);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): Slot | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && this.less(items[l]!, items[best]!)) best = l;
        if (r < items.length && this.less(items[r]!, items[best]!)) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best]!, items[i]!];
        i = best;
      }
    }
    return top;
  }
}

export interface SchedulingQueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
}

/** Whether an update could change a scheduling outcome (spec or labels, not status). */
function schedulingRelevantChange(old: Pod, pod: Pod): boolean {
  return JSON.stringify(old.spec) !== JSON.stringify(pod.spec) || JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {});
}

export class SchedulingQueue {
  private readonly entries = new Map<string, Entry>();
  private readonly active = new Heap();
  private waiters: Array<(e: QueuedPod | undefined) => void> = [];
  private seq = 0;
  private moveCycle = 0;
  private closed = false;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly now: () => number;

  constructor(options: SchedulingQueueOptions = {}) {
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Pods known to the queue in any state. */
  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  state(key: string): State | undefined {
    return this.entries.get(key)?.state;
  }

  /** Adds a new pending pod, or records an update to one already queued. */
  add(key: string, pod: Pod): void {
    if (this.closed) return;
    const entry = this.entries.get(key);
    if (!entry) {
      const now = this.now();
      const e: Entry = {
        info: { key, pod, firstSeen: now, timestamp: now, attempts: 0, unschedulablePlugins: new Set() },
        state: 'active', seq: 0, lastAttempt: 0, moveCycleAtPop: 0, updatedInFlight: false,
      };
      this.entries.set(key, e);
      this.activate(e);
      return;
    }
    const changed = schedulingRelevantChange(entry.info.pod, pod);
    entry.info.pod = pod;
    if (!changed) return;
    if (entry.state === 'inflight') entry.updatedInFlight = true;
    else if (entry.state === 'unschedulable') this.moveOut(entry);
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (entry.backoffTimer) clearTimeout(entry.backoffTimer);
    this.entries.delete(key);
  }

  /** The next pod to schedule; waits while the active queue is empty (undefined once closed). */
  pop(): Promise<QueuedPod | undefined> {
    const slot = this.popActive();
    if (slot) return Promise.resolve(slot);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private popActive(): QueuedPod | undefined {
    for (;;) {
      const slot = this.active.pop();
      if (!slot) return undefined;
      const e = slot.entry;
      if (e.state !== 'active' || e.seq !== slot.seq || this.entries.get(e.info.key) !== e) continue;
      return this.markInFlight(e);
    }
  }

  private markInFlight(e: Entry): QueuedPod {
    e.state = 'inflight';
    e.info.attempts++;
    e.lastAttempt = this.now();
    e.moveCycleAtPop = this.moveCycle;
    e.updatedInFlight = false;
    return e.info;
  }

  /** The pod left the queue for good (bound, or no longer ours to schedule). */
  done(key: string): void {
    this.delete(key);
  }

  /** After a failed attempt: wait for a cluster change, unless one happened meanwhile. */
  unschedulable(key: string, plugins: Iterable<string>): void {
    const e = this.entries.get(key);
    if (!e || e.state !== 'inflight') return;
    e.info.unschedulablePlugins = new Set(plugins);
    if (e.updatedInFlight || this.moveCycle > e.moveCycleAtPop) this.moveOut(e);
    else e.state = 'unschedulable';
  }

  /** After an error: retry once the back-off has passed. */
  backoff(key: string): void {
    const e = this.entries.get(key);
    if (!e || e.state !== 'inflight') return;
    this.toBackoff(e);
  }

  /** Moves unschedulable pods (those the predicate picks) to be tried again. */
  moveAllToActive(predicate?: (pod: QueuedPod) => boolean): void {
    this.moveCycle++;
    for (const e of this.entries.values()) {
      if (e.state === 'unschedulable' && (!predicate || predicate(e.info))) this.moveOut(e);
    }
  }

  /** Number of pods waiting in the unschedulable area. */
  unschedulableCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.state === 'unschedulable') n++;
    return n;
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) if (e.backoffTimer) clearTimeout(e.backoffTimer);
    this.entries.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private backoffDuration(e: Entry): number {
    const attempts = Math.max(1, e.info.attempts);
    return Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.min(30, attempts - 1));
  }

  private moveOut(e: Entry): void {
    const remaining = e.lastAttempt + this.backoffDuration(e) - this.now();
    if (e.info.attempts > 0 && remaining > 0) this.toBackoff(e, remaining);
    else this.activate(e);
  }

  private toBackoff(e: Entry, delay = this.backoffDuration(e)): void {
    e.state = 'backoff';
    if (e.backoffTimer) clearTimeout(e.backoffTimer);
    e.backoffTimer = setTimeout(() => {
      e.backoffTimer = undefined;
      if (this.entries.get(e.info.key) === e && e.state === 'backoff') this.activate(e);
    }, Math.max(0, delay));
    e.backoffTimer.unref?.();
  }

  private activate(e: Entry): void {
    if (e.backoffTimer) {
      clearTimeout(e.backoffTimer);
      e.backoffTimer = undefined;
    }
    e.state = 'active';
    e.seq = ++this.seq;
    e.info.timestamp = this.now();
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(this.markInFlight(e));
      return;
    }
    this.active.push({ entry: e, seq: e.seq, priority: e.info.pod.spec?.priority ?? 0, timestamp: e.info.timestamp });
  }
}
