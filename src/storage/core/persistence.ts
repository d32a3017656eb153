import type { StoredValue, WatchEvent } from '../types.js';

/** One row of the revision log: every write is one row. */
export interface LogRow {
  revision: number;
  key: string;
  created: boolean;
  deleted: boolean;
  createRevision: number;
  /** Revision of the previous row of this key (0 for a create). */
  previousRevision: number;
  value: string;
}

/** What a backend persists for the indexed store; all calls are synchronous and durable. */
export interface Persistence {
  /** Latest live value of every key, the current revision and the compact revision. */
  load(): { values: StoredValue[]; revision: number; compactRevision: number };
  /** Writes rows in one transaction; returns only when durable. */
  commit(rows: LogRow[]): void;
  /** Changes under `prefix` with after < revision <= upTo, in order. */
  history(prefix: string, after: number, upTo: number): WatchEvent[];
  /** Removes rows superseded at or before `revision`, in small steps; records the compact revision. */
  compact(revision: number): Promise<void>;
  /** Housekeeping (checkpoints, vacuum); optional. */
  maintain?(): void;
  close(): void;
}
