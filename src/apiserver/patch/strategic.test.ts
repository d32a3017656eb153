import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from './index.js';
import { podSchema } from './test-schema.js';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', labels: { app: 'web', tier: 'fe' }, finalizers: ['a', 'b'] },
  spec: {
    containers: [
      { name: 'nginx', image: 'nginx:1.25', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], args: ['x', 'y'] },
      { name: 'sidecar', image: 'busybox' },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    nodeSelector: { disk: 'ssd', zone: 'a' },
  },
};

test('containers merge by name, env merges by name, atomic args replaced', () => {
  const out = applyStrategicMergePatch(
    pod,
    {
      spec: {
        containers: [
          { name: 'nginx', image: 'nginx:1.27', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }], args: ['z'] },
          { name: 'logger', image: 'fluent' },
        ],
      },
    },
    podSchema,
  ) as typeof pod;
  assert.deepEqual(out.spec.containers, [
    {
      name: 'nginx',
      image: 'nginx:1.27',
      env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }],
      args: ['z'],
    },
    { name: 'sidecar', image: 'busybox' },
    { name: 'logger', image: 'fluent' },
  ]);
  assert.equal(pod.spec.containers[0]!.image, 'nginx:1.25', 'input not mutated');
});

test('$patch: delete removes a list item; null removes a label', () => {
  const out = applyStrategicMergePatch(
    pod,
    { metadata: { labels: { tier: null } }, spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } },
    podSchema,
  ) as typeof pod;
  assert.deepEqual(out.metadata.labels, { app: 'web' });
  assert.deepEqual(out.spec.containers.map((c) => c.name), ['nginx']);
});

test('$patch: replace on a list and on a map', () => {
  const out = applyStrategicMergePatch(
    pod,
    {
      metadata: { labels: { $patch: 'replace', only: 'this' } },
      spec: { containers: [{ name: 'solo', image: 'solo' }, { $patch: 'replace' }] },
    },
    podSchema,
  ) as typeof pod;
  assert.deepEqual(out.metadata.labels, { only: 'this' });
  assert.deepEqual(out.spec.containers, [{ name: 'solo', image: 'solo' }]);
});

test('$setElementOrder orders merged list, server-only items after', () => {
  const out = applyStrategicMergePatch(
    pod,
    {
      spec: {
        '$setElementOrder/containers': [{ name: 'logger' }, { name: 'nginx' }],
        containers: [{ name: 'logger', image: 'fluent' }],
      },
    } as Record<string, unknown>,
    podSchema,
  ) as typeof pod;
  assert.deepEqual(out.spec.containers.map((c) => c.name), ['logger', 'nginx', 'sidecar']);
  assert.ok(!('$setElementOrder/containers' in out.spec));
});

test('finalizers union keeps order; $deleteFromPrimitiveList removes', () => {
  const out = applyStrategicMergePatch(
    pod,
    { metadata: { finalizers: ['b', 'c'], '$deleteFromPrimitiveList/finalizers': ['a'] } },
    podSchema,
  ) as typeof pod;
  assert.deepEqual(out.metadata.finalizers, ['b', 'c']);
  const union = applyStrategicMergePatch(pod, { metadata: { finalizers: ['c', 'a'] } }, podSchema) as typeof pod;
  assert.deepEqual(union.metadata.finalizers, ['a', 'b', 'c']);
});

test('$retainKeys drops unlisted keys of the original map', () => {
  const out = applyStrategicMergePatch(
    pod,
    { spec: { volumes: [{ name: 'data', hostPath: { path: '/x' }, $retainKeys: ['name', 'hostPath'] }] } },
    podSchema,
  ) as { spec: { volumes: unknown[] } };
  assert.deepEqual(out.spec.volumes, [{ name: 'data', hostPath: { path: '/x' } }]);
});

test('atomic map is replaced; without schema lists are replaced and maps merge', () => {
  const out = applyStrategicMergePatch(pod, { spec: { nodeSelector: { zone: 'b' } } }, podSchema) as typeof pod;
  assert.deepEqual(out.spec.nodeSelector, { zone: 'b' });
  const noSchema = applyStrategicMergePatch(
    pod,
    { metadata: { labels: { x: '1' } }, spec: { containers: [{ name: 'only' }] } },
  ) as typeof pod;
  assert.deepEqual(noSchema.metadata.labels, { app: 'web', tier: 'fe', x: '1' });
  assert.deepEqual(noSchema.spec.containers, [{ name: 'only' }]);
});
