// Store benchmark: our Store's creates/s (16 and 256 concurrent writers) and reads, beside
// raw better-sqlite3 inserts of the same 2 KB rows on the same disk.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../src/storage/index.js';
import { percentile } from './measure.js';

const value = 'x'.repeat(2048);

function raw(dir: string): Record<string, number> {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE kv (id INTEGER PRIMARY KEY, name TEXT, value TEXT)');
  const insert = db.prepare('INSERT INTO kv (name, value) VALUES (?, ?)');
  let t = performance.now();
  for (let i = 0; i < 2000; i++) insert.run(`a${i}`, value);
  const single = 2000 / ((performance.now() - t) / 1000);
  const batch = db.transaction((start: number) => { for (let i = 0; i < 64; i++) insert.run(`b${start + i}`, value); });
  t = performance.now();
  for (let i = 0; i < 8192; i += 64) batch(i);
  const batched = 8192 / ((performance.now() - t) / 1000);
  db.close();
  return { rawInsertsPerSecondOneFsyncEach: Math.round(single), rawInsertsPerSecondBatchesOf64: Math.round(batched) };
}

async function writers(dir: string, concurrency: number, total: number): Promise<number> {
  const store = await openSqliteStore({ path: join(dir, `store-${concurrency}.db`), compactIntervalMs: 0 });
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      await store.create(`/registry/core/pods/default/p${i}`, value);
    }
  }));
  const rate = total / ((performance.now() - t) / 1000);
  await store.close();
  return Math.round(rate);
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'litekube-bench-store-'));
  try {
    const figures: Record<string, unknown> = raw(dir);
    figures.storeCreatesPerSecond16Writers = await writers(dir, 16, 10_000);
    figures.storeCreatesPerSecond256Writers = await writers(dir, 256, 20_000);
    const store = await openSqliteStore({ path: join(dir, 'store-256.db'), compactIntervalMs: 0 });
    const gets: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t = performance.now();
      await store.get(`/registry/core/pods/default/p${i}`);
      gets.push(performance.now() - t);
    }
    const t = performance.now();
    const list = await store.list('/registry/core/pods/default/', { limit: 1000 });
    figures.getP99Ms = percentile(gets, 99);
    figures.list1000Ms = Math.round((performance.now() - t) * 100) / 100;
    figures.listed = list.items.length;
    await store.close();
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
