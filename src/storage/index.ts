export * from './types.js';
export { createMemoryStore } from './memory/memory.js';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite/sqlite.js';
import { createMemoryStore } from './memory/memory.js';
import { openSqliteStore } from './sqlite/sqlite.js';
import type { Store } from './types.js';

/** Opens a store by URL: `sqlite:///path/to/state.db` (or `sqlite://relative.db`) or `memory://`. */
export async function openStore(url: string, log?: (message: string, fields?: Record<string, unknown>) => void): Promise<Store> {
  if (url === 'memory://' || url === 'memory:') return createMemoryStore();
  if (url.startsWith('sqlite://')) return openSqliteStore({ path: url.slice('sqlite://'.length), log });
  throw new TypeError(`Cannot open store "${url}": supported schemes are sqlite:// and memory://`);
}
