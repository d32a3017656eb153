import { createMemoryStore } from './memory.js';
import { runStoreSuite } from '../storetest.js';

runStoreSuite('memory', async () => ({ store: createMemoryStore(), cleanup: async () => undefined }));
