import { StoreError, type ListOptions, type ListResult, type Store, type StoredValue, type WatchEvent } from '../types.js';
import type { LogRow, Persistence } from './persistence.js';
import { SortedKeys } from './sorted-keys.js';
import { WatcherHub } from './watchers.js';

interface PendingWrite {
  row: LogRow;
  resolve: (value: StoredValue) => void;
  reject: (error: unknown) => void;
}

/** Options of the indexed store core. */
export interface IndexedStoreOptions {
  persistence: Persistence;
  /** Compact automatically every this many ms (0 disables). Default 5 minutes. */
  compactIntervalMs?: number;
  /** Revisions of history kept by automatic compaction. Default 10,000. */
  retainRevisions?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * The Store behind every backend: reads are served from an in-memory index; writes are
 * checked against it in arrival order and committed in groups (all writes that arrive in
 * one turn of the event loop share one transaction, so one fsync); watchers get events only
 * after their commit.
 */
export class IndexedStore implements Store {
  private readonly index = new Map<string, StoredValue>();
  private readonly keys = new SortedKeys();
  /** Latest state of keys with writes not yet committed (null: deleted). */
  private readonly pending = new Map<string, StoredValue | null>();
  private batch: PendingWrite[] = [];
  private flushScheduled = false;
  private currentRevision: number;
  private nextRevision: number;
  private compacted: number;
  private readonly hub = new WatcherHub();
  private timer?: NodeJS.Timeout;
  private closed = false;
  private failure?: unknown;

  constructor(private readonly options: IndexedStoreOptions) {
    const loaded = options.persistence.load();
    for (const value of loaded.values) {
      this.index.set(value.key, value);
      this.keys.add(value.key);
    }
    this.currentRevision = loaded.revision;
    this.nextRevision = loaded.revision + 1;
    this.compacted = loaded.compactRevision;
    const interval = options.compactIntervalMs ?? 5 * 60_000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.autoCompact(), interval);
      this.timer.unref();
    }
  }

  revision(): number {
    return this.currentRevision;
  }

  compactRevision(): number {
    return this.compacted;
  }

  private check(): void {
    if (this.closed) throw new StoreError('Closed', 'Cannot use store: it is closed');
    if (this.failure) throw this.failure;
  }

  async get(key: string): Promise<StoredValue | undefined> {
    this.check();
    return this.index.get(key);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.check();
    const items: StoredValue[] = [];
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    let remaining = 0;
    for (const key of this.keys.range(prefix, options.startAfter)) {
      if (items.length < limit) items.push(this.index.get(key) as StoredValue);
      else remaining++;
    }
    return { items, revision: this.currentRevision, remaining };
  }

  async count(prefix: string): Promise<number> {
    this.check();
    let n = 0;
    for (const _key of this.keys.range(prefix)) n++;
    return n;
  }

  /** The latest state of a key including uncommitted writes. */
  private latest(key: string): StoredValue | undefined {
    const pending = this.pending.get(key);
    if (pending === null) return undefined;
    return pending ?? this.index.get(key);
  }

  private enqueue(row: Omit<LogRow, 'revision'>): Promise<StoredValue> {
    const revision = this.nextRevision++;
    const full: LogRow = { ...row, revision };
    const stored: StoredValue = { key: row.key, value: row.value, revision, createRevision: row.createRevision || revision };
    if (row.created) full.createRevision = revision;
    this.pending.set(row.key, row.deleted ? null : stored);
    return new Promise<StoredValue>((resolve, reject) => {
      this.batch.push({ row: full, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0) return;
    try {
      this.options.persistence.commit(batch.map((w) => w.row));
    } catch (error: unknown) {
      // A failed commit leaves memory and disk apart: refuse all further use, loudly.
      this.failure = error;
      this.options.log?.('store commit failed; the store refuses further writes', { error: String(error) });
      for (const w of batch) w.reject(error);
      this.pending.clear();
      return;
    }
    const events: WatchEvent[] = [];
    for (const { row, resolve } of batch) {
      const previous = this.index.get(row.key);
      if (row.deleted) {
        this.index.delete(row.key);
        this.keys.delete(row.key);
        events.push({ type: 'DELETED', key: row.key, value: row.value, revision: row.revision, previousValue: previous?.value });
        resolve({ key: row.key, value: row.value, revision: row.revision, createRevision: row.createRevision });
      } else {
        const stored: StoredValue = { key: row.key, value: row.value, revision: row.revision, createRevision: row.createRevision };
        this.index.set(row.key, stored);
        if (!previous) this.keys.add(row.key);
        events.push({ type: row.created ? 'ADDED' : 'MODIFIED', key: row.key, value: row.value, revision: row.revision, previousValue: previous?.value });
        resolve(stored);
      }
    }
    // Flushes are synchronous: every pending write belonged to this batch.
    this.pending.clear();
    this.currentRevision = batch[batch.length - 1].row.revision;
    this.hub.publish(events);
  }

  async create(key: string, value: string): Promise<StoredValue> {
    this.check();
    if (this.latest(key)) throw new StoreError('KeyExists', `Cannot create ${key}: it exists`);
    return this.enqueue({ key, value, created: true, deleted: false, createRevision: 0, previousRevision: 0 });
  }

  async update(key: string, value: string, expectedRevision?: number): Promise<StoredValue> {
    this.check();
    const current = this.latest(key);
    if (!current) throw new StoreError('KeyNotFound', `Cannot update ${key}: it does not exist`);
    if (expectedRevision !== undefined && current.revision !== expectedRevision) {
      throw new StoreError('Conflict', `Cannot update ${key}: revision is ${current.revision}, not ${expectedRevision}`, current.revision);
    }
    return this.enqueue({ key, value, created: false, deleted: false, createRevision: current.createRevision, previousRevision: current.revision });
  }

  async delete(key: string, expectedRevision?: number): Promise<StoredValue> {
    this.check();
    const current = this.latest(key);
    if (!current) throw new StoreError('KeyNotFound', `Cannot delete ${key}: it does not exist`);
    if (expectedRevision !== undefined && current.revision !== expectedRevision) {
      throw new StoreError('Conflict', `Cannot delete ${key}: revision is ${current.revision}, not ${expectedRevision}`, current.revision);
    }
    return this.enqueue({ key, value: current.value, created: false, deleted: true, createRevision: current.createRevision, previousRevision: current.revision });
  }

  watch(prefix: string, afterRevision: number, signal: AbortSignal): AsyncIterable<WatchEvent> {
    this.check();
    if (afterRevision < this.compacted) {
      throw new StoreError('Compacted', `Cannot watch from revision ${afterRevision}: compacted at ${this.compacted}`, this.compacted);
    }
    // Register first, then replay history up to now: live events after `upTo` are queued meanwhile.
    const watcher = this.hub.add(prefix);
    const upTo = this.currentRevision;
    const history = afterRevision < upTo ? this.options.persistence.history(prefix, afterRevision, upTo) : [];
    const hub = this.hub;
    const onAbort = (): void => hub.remove(watcher);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) hub.remove(watcher);
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for (const event of history) yield event;
          let last = Math.max(afterRevision, upTo);
          while (!watcher.closed) {
            while (watcher.queue.length) {
              const event = watcher.queue.shift() as WatchEvent;
              if (event.revision <= last) continue;
              last = event.revision;
              yield event;
            }
            if (watcher.closed) break;
            await new Promise<void>((resolve) => (watcher.wake = resolve));
            watcher.wake = undefined;
          }
        } finally {
          signal.removeEventListener('abort', onAbort);
          hub.remove(watcher);
        }
      },
    };
  }

  async compact(revision: number): Promise<void> {
    this.check();
    const target = Math.min(revision, this.currentRevision);
    if (target <= this.compacted) return;
    await this.options.persistence.compact(target);
    this.compacted = target;
  }

  private async autoCompact(): Promise<void> {
    if (this.closed || this.failure) return;
    const retain = this.options.retainRevisions ?? 10_000;
    try {
      await this.compact(this.currentRevision - retain);
      this.options.persistence.maintain?.();
    } catch (error: unknown) {
      this.options.log?.('automatic compaction failed', { error: String(error) });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    if (this.batch.length) this.flush();
    this.closed = true;
    this.hub.closeAll();
    this.options.persistence.close();
  }
}
