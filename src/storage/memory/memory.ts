import { IndexedStore } from '../core/indexed-store.js';
import type { LogRow, Persistence } from '../core/persistence.js';
import type { Store, StoredValue, WatchEvent } from '../types.js';

/** Keeps the revision log in memory: the same semantics as SQLite, nothing survives a restart. */
class MemoryPersistence implements Persistence {
  private rows: LogRow[] = [];
  private compacted = 0;

  load(): { values: StoredValue[]; revision: number; compactRevision: number } {
    return { values: [], revision: 0, compactRevision: 0 };
  }

  commit(rows: LogRow[]): void {
    this.rows.push(...rows);
  }

  history(prefix: string, after: number, upTo: number): WatchEvent[] {
    const events: WatchEvent[] = [];
    const previous = new Map<string, string>();
    for (const row of this.rows) {
      if (row.revision > upTo) break;
      if (!row.key.startsWith(prefix)) continue;
      if (row.revision > after) {
        const type = row.deleted ? 'DELETED' : row.created ? 'ADDED' : 'MODIFIED';
        events.push({ type, key: row.key, value: row.value, revision: row.revision, previousValue: previous.get(row.key) });
      }
      if (row.deleted) previous.delete(row.key);
      else previous.set(row.key, row.value);
    }
    return events;
  }

  async compact(revision: number): Promise<void> {
    const latest = new Map<string, number>();
    for (const row of this.rows) latest.set(row.key, row.revision);
    // Keep every row after the compact revision, and the latest live row of each key.
    this.rows = this.rows.filter((row) => row.revision > revision || (latest.get(row.key) === row.revision && !row.deleted));
    this.compacted = revision;
  }

  close(): void {
    this.rows = [];
  }
}

/** An in-memory Store (for tests and simulated clusters). */
export function createMemoryStore(): Store {
  return new IndexedStore({ persistence: new MemoryPersistence(), compactIntervalMs: 0 });
}
