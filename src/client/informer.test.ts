import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Informer } from './informer.js';
import { startTestApi } from './testing.js';

const configMaps = { apiVersion: 'v1', plural: 'configmaps' };

test('an informer lists, then hears adds, updates and deletes in order', async () => {
  const api = await startTestApi();
  const stop = new AbortController();
  try {
    await api.client.create(configMaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before' }, data: { a: '1' } });
    const informer = new Informer(api.client, configMaps, 'default');
    const seen: string[] = [];
    informer.on({
      add: (o) => seen.push(`add ${o.metadata.name}`),
      update: (_old, o) => seen.push(`update ${o.metadata.name}`),
      delete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    const running = informer.run(stop.signal);
    await informer.synced();
    assert.deepEqual(seen, ['add before']);
    await api.client.create(configMaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after' } });
    await api.client.patch(configMaps, 'default', 'before', 'merge', { data: { a: '2' } });
    await api.client.delete(configMaps, 'default', 'after');
    for (let i = 0; i < 100 && seen.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seen, ['add before', 'add after', 'update before', 'delete after']);
    assert.equal(informer.get('default', 'before')?.data && (informer.get('default', 'before')?.data as Record<string, string>).a, '2');
    assert.deepEqual(informer.list('default').map((o) => o.metadata.name), ['before']);
    stop.abort();
    await running;
  } finally {
    stop.abort();
    await api.stop();
  }
});
