import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from './sqlite.js';
import { runStoreSuite } from '../storetest.js';

runStoreSuite('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'litekube-store-'));
  const path = join(dir, 'state.db');
  return {
    store: await openSqliteStore({ path, compactIntervalMs: 0 }),
    reopen: () => openSqliteStore({ path, compactIntervalMs: 0 }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
