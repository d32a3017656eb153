import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StoreError, type Store, type WatchEvent } from './types.js';

/** A backend under test: a fresh store, optionally a way to reopen it on the same data. */
export interface StoreFixture {
  store: Store;
  reopen?: () => Promise<Store>;
  cleanup: () => Promise<void>;
}

const isCode = (code: string) => (error: unknown) => error instanceof StoreError && error.code === code;

async function collect(store: Store, prefix: string, after: number, count: number): Promise<WatchEvent[]> {
  const controller = new AbortController();
  const events: WatchEvent[] = [];
  const timer = setTimeout(() => controller.abort(), 2000);
  for await (const event of store.watch(prefix, after, controller.signal)) {
    events.push(event);
    if (events.length === count) break;
  }
  clearTimeout(timer);
  controller.abort();
  return events;
}

/** The behaviour every Store backend must show. */
export function runStoreSuite(name: string, make: () => Promise<StoreFixture>): void {
  describe(`store suite: ${name}`, () => {
    const withStore = (title: string, body: (fixture: StoreFixture) => Promise<void>) =>
      it(title, async () => {
        const fixture = await make();
        try {
          await body(fixture);
        } finally {
          await fixture.store.close().catch(() => undefined);
          await fixture.cleanup();
        }
      });

    withStore('create, get, update and delete with one monotonic revision', async ({ store }) => {
      const a = await store.create('/r/a', '{"v":1}');
      const b = await store.create('/r/b', '{"v":2}');
      assert.ok(b.revision > a.revision);
      assert.equal((await store.get('/r/a'))?.value, '{"v":1}');
      const a2 = await store.update('/r/a', '{"v":3}', a.revision);
      assert.ok(a2.revision > b.revision);
      assert.equal(a2.createRevision, a.revision);
      const gone = await store.delete('/r/b');
      assert.equal(gone.value, '{"v":2}');
      assert.ok(gone.revision > a2.revision);
      assert.equal(await store.get('/r/b'), undefined);
      assert.equal(store.revision(), gone.revision);
    });

    withStore('refuses duplicate creates, stale updates and missing keys', async ({ store }) => {
      const a = await store.create('/r/a', '1');
      await assert.rejects(store.create('/r/a', '2'), isCode('KeyExists'));
      await store.update('/r/a', '2', a.revision);
      await assert.rejects(store.update('/r/a', '3', a.revision), isCode('Conflict'));
      await assert.rejects(store.update('/r/missing', '3'), isCode('KeyNotFound'));
      await assert.rejects(store.delete('/r/missing'), isCode('KeyNotFound'));
      await assert.rejects(store.delete('/r/a', a.revision), isCode('Conflict'));
    });

    withStore('concurrent creates of one key: exactly one wins', async ({ store }) => {
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.create('/r/same', String(i))));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.equal(results.filter((r) => r.status === 'rejected' && isCode('KeyExists')(r.reason)).length, 9);
    });

    withStore('lists by prefix in key order with limit, startAfter and remaining', async ({ store }) => {
      for (const k of ['/p/ns1/c', '/p/ns1/a', '/p/ns1/b', '/p/ns10/a', '/q/x']) await store.create(k, k);
      const all = await store.list('/p/ns1/');
      assert.deepEqual(all.items.map((i) => i.key), ['/p/ns1/a', '/p/ns1/b', '/p/ns1/c']);
      assert.equal(all.remaining, 0);
      const page = await store.list('/p/', { limit: 2 });
      assert.deepEqual(page.items.map((i) => i.key), ['/p/ns1/a', '/p/ns1/b']);
      assert.equal(page.remaining, 2);
      const next = await store.list('/p/', { limit: 2, startAfter: '/p/ns1/b' });
      assert.deepEqual(next.items.map((i) => i.key), ['/p/ns1/c', '/p/ns10/a']);
      assert.equal(await store.count('/p/'), 4);
    });

    withStore('watch replays from a revision, then streams live, in order and filtered by prefix', async ({ store }) => {
      const start = store.revision();
      const a = await store.create('/w/a', '1');
      await store.create('/other/x', 'x');
      await store.update('/w/a', '2', a.revision);
      const watching = collect(store, '/w/', start, 4);
      await store.create('/w/b', '3');
      await store.delete('/w/a');
      const events = await watching;
      assert.deepEqual(events.map((e) => `${e.type} ${e.key} ${e.value}`), ['ADDED /w/a 1', 'MODIFIED /w/a 2', 'ADDED /w/b 3', 'DELETED /w/a 2']);
      assert.equal(events[1].previousValue, '1');
      const revisions = events.map((e) => e.revision);
      assert.deepEqual([...revisions].sort((x, y) => x - y), revisions);
    });

    withStore('compaction keeps latest values and refuses watches from before it', async ({ store }) => {
      const a = await store.create('/c/a', '1');
      await store.update('/c/a', '2', a.revision);
      const b = await store.create('/c/b', 'b');
      await store.delete('/c/b', b.revision);
      const at = store.revision();
      await store.compact(at);
      assert.equal(store.compactRevision(), at);
      assert.equal((await store.get('/c/a'))?.value, '2');
      assert.throws(() => store.watch('/c/', a.revision, new AbortController().signal), isCode('Compacted'));
      const live = collect(store, '/c/', at, 1);
      await store.create('/c/c', 'c');
      assert.equal((await live)[0].key, '/c/c');
    });

    it(`${name}: survives a reopen with values, revisions and history`, async (t) => {
      const fixture = await make();
      if (!fixture.reopen) {
        await fixture.store.close();
        await fixture.cleanup();
        t.skip('backend does not persist');
        return;
      }
      try {
        const a = await fixture.store.create('/d/a', '1');
        await fixture.store.update('/d/a', '2', a.revision);
        const last = await fixture.store.create('/d/b', '3');
        await fixture.store.close();
        const reopened = await fixture.reopen();
        try {
          assert.equal((await reopened.get('/d/a'))?.value, '2');
          assert.equal(reopened.revision(), last.revision);
          const next = await reopened.create('/d/c', '4');
          assert.equal(next.revision, last.revision + 1);
          const events = await collect(reopened, '/d/', a.revision, 3);
          assert.deepEqual(events.map((e) => `${e.type} ${e.key}`), ['MODIFIED /d/a', 'ADDED /d/b', 'ADDED /d/c']);
        } finally {
          await reopened.close();
        }
      } finally {
        await fixture.cleanup();
      }
    });
  });
}
