import Database from 'better-sqlite3';
import type { LogRow, Persistence } from '../core/persistence.js';
import type { StoredValue, WatchEvent } from '../types.js';

interface RowRecord {
  revision: number;
  key: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
}

const schema = `
CREATE TABLE IF NOT EXISTS log (
  revision INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

/** How many log rows one compaction step deletes; small steps keep writes flowing. */
const compactStep = 500;

/**
 * The revision log in SQLite (WAL, synchronous=FULL): one row per write, like kine. Latest
 * values are read once at open; afterwards SQLite is written, and read only for watch replay.
 */
export class SqlitePersistence implements Persistence {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly commitRows: (rows: LogRow[]) => void;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.exec(schema);
    this.insert = this.db.prepare('INSERT INTO log (revision, key, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.commitRows = this.db.transaction((rows: LogRow[]) => {
      for (const r of rows) this.insert.run(r.revision, r.key, r.created ? 1 : 0, r.deleted ? 1 : 0, r.createRevision, r.previousRevision, r.value);
    });
  }

  load(): { values: StoredValue[]; revision: number; compactRevision: number } {
    const check = this.db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`Cannot open store: SQLite quick_check failed: ${String(check)}`);
    const rows = this.db.prepare(`
      SELECT l.* FROM log l JOIN (SELECT key, MAX(revision) AS revision FROM log GROUP BY key) m
      ON l.key = m.key AND l.revision = m.revision WHERE l.deleted = 0`).all() as RowRecord[];
    const max = (this.db.prepare('SELECT MAX(revision) AS revision FROM log').get() as { revision: number | null }).revision ?? 0;
    const compactRevision = this.meta('compact_revision');
    const floor = this.meta('revision_floor');
    return {
      values: rows.map((r) => ({ key: r.key, value: r.value, revision: r.revision, createRevision: r.create_revision })),
      revision: Math.max(max, compactRevision, floor),
      compactRevision,
    };
  }

  private meta(name: string): number {
    const row = this.db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as { value: number } | undefined;
    return row?.value ?? 0;
  }

  commit(rows: LogRow[]): void {
    this.commitRows(rows);
  }

  history(prefix: string, after: number, upTo: number): WatchEvent[] {
    const rows = this.db.prepare(`
      SELECT l.*, p.value AS previous FROM log l LEFT JOIN log p ON p.revision = l.prev_revision
      WHERE l.revision > ? AND l.revision <= ? AND l.key >= ? AND l.key < ? ORDER BY l.revision`)
      .all(after, upTo, prefix, `${prefix}\uffff`) as Array<RowRecord & { previous: string | null }>;
    return rows.map((r) => ({
      type: r.deleted ? 'DELETED' : r.created ? 'ADDED' : 'MODIFIED',
      key: r.key,
      value: r.value,
      revision: r.revision,
      previousValue: r.previous ?? undefined,
    }));
  }

  async compact(revision: number): Promise<void> {
    // Superseded rows: a later row of the same key exists at or before `revision`; and
    // tombstones at or before it. Deleted in small transactions, yielding between them.
    const select = this.db.prepare(`
      SELECT l.revision FROM log l WHERE l.revision <= ? AND (l.deleted = 1 OR EXISTS (
        SELECT 1 FROM log n WHERE n.key = l.key AND n.revision > l.revision AND n.revision <= ?)) LIMIT ${compactStep}`);
    const remove = this.db.prepare('DELETE FROM log WHERE revision = ?');
    const step = this.db.transaction((revisions: number[]) => { for (const r of revisions) remove.run(r); });
    const max = (this.db.prepare('SELECT MAX(revision) AS revision FROM log').get() as { revision: number | null }).revision ?? 0;
    this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value').run('revision_floor', Math.max(max, this.meta('revision_floor')));
    for (;;) {
      const revisions = (select.all(revision, revision) as Array<{ revision: number }>).map((r) => r.revision);
      if (revisions.length === 0) break;
      step(revisions);
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value').run('compact_revision', revision);
  }

  maintain(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.pragma('incremental_vacuum(1000)');
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
