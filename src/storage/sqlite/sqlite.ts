import { IndexedStore } from '../core/indexed-store.js';
import type { Store } from '../types.js';
import { SqlitePersistence } from './persistence.js';

export interface SqliteStoreOptions {
  /** Database file path. */
  path: string;
  /** Automatic compaction interval (default 5 minutes; 0 disables). */
  compactIntervalMs?: number;
  /** Revisions of history kept by automatic compaction (default 10,000). */
  retainRevisions?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/** Opens (or creates) a SQLite-backed Store. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  if (!options.path) throw new TypeError('Cannot open SQLite store: a path is required');
  return new IndexedStore({ ...options, persistence: new SqlitePersistence(options.path) });
}
