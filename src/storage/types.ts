/** One key's value as the store holds it: the JSON text of an object and its revisions. */
export interface StoredValue {
  key: string;
  /** JSON text of the object (without resourceVersion; the API layer sets it from `revision`). */
  value: string;
  /** Revision of the last write to this key (the object's resourceVersion). */
  revision: number;
  /** Revision at which this key was created (kept across updates). */
  createRevision: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A change to one key. For DELETED, `value` is the last value before the delete. */
export interface WatchEvent {
  type: WatchEventType;
  key: string;
  value: string;
  /** Revision of this change (for DELETED: the revision of the delete). */
  revision: number;
  /** Value before this change (MODIFIED and DELETED only). */
  previousValue?: string;
}

export interface ListOptions {
  /** Return at most this many items (0 or unset: all). */
  limit?: number;
  /** Return only keys strictly greater than this one (paging). */
  startAfter?: string;
}

/** A consistent snapshot of keys under a prefix, sorted by key. */
export interface ListResult {
  items: StoredValue[];
  /** Store revision the snapshot was taken at. */
  revision: number;
  /** Number of keys under the prefix after the last returned one (0 when complete). */
  remaining: number;
}

export type StoreErrorCode = 'KeyExists' | 'KeyNotFound' | 'Conflict' | 'Compacted' | 'Closed';

/** The only error a Store throws for expected conditions; anything else is a fault. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** For Conflict: the current revision of the key; for Compacted: the compact revision. */
    readonly revision?: number,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/**
 * A revisioned key-value log with watch. One global monotonic revision;
 * every write gets the next one. Acknowledged writes are durable.
 */
export interface Store {
  /** Current (latest written) revision. */
  revision(): number;
  /** Oldest revision a watch can resume from; older ones fail with Compacted. */
  compactRevision(): number;
  get(key: string): Promise<StoredValue | undefined>;
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Number of keys under a prefix. */
  count(prefix: string): Promise<number>;
  /** Fails with KeyExists when the key exists. */
  create(key: string, value: string): Promise<StoredValue>;
  /**
   * Replaces a key's value. With `expectedRevision`, fails with Conflict unless the key's
   * current revision equals it. Fails with KeyNotFound when absent.
   */
  update(key: string, value: string, expectedRevision?: number): Promise<StoredValue>;
  /** Deletes a key; returns its last value with the revision of the delete. */
  delete(key: string, expectedRevision?: number): Promise<StoredValue>;
  /**
   * Streams changes under `prefix` with revision > `afterRevision`, in revision order, until
   * `signal` aborts. Throws StoreError('Compacted') when `afterRevision` < compactRevision().
   */
  watch(prefix: string, afterRevision: number, signal: AbortSignal): AsyncIterable<WatchEvent>;
  /** Forgets history up to `revision` (the latest value of each live key is always kept). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
