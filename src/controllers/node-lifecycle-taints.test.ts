import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredManagedTaints, planEviction, reconcileTaints, tolerates, type Node, type Taint } from './node-lifecycle-taints.js';
import { lastHeardMs, unknownConditions } from './node-lifecycle-health.js';

const node = (ready: string | undefined, extra: Partial<NonNullable<Node['spec']>> = {}): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: { ...extra },
  status: { conditions: ready ? [{ type: 'Ready', status: ready, lastHeartbeatTime: '2024-01-01T00:01:00Z', lastTransitionTime: '2024-01-01T00:00:10Z' }] : [] },
});

test('readiness and cordon decide the managed taints', () => {
  assert.deepEqual([...desiredManagedTaints(node('True'))], []);
  assert.deepEqual([...desiredManagedTaints(node('Unknown'))].sort(), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
  assert.deepEqual([...desiredManagedTaints(node('False'))].sort(), ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule']);
  assert.deepEqual([...desiredManagedTaints(node('True', { unschedulable: true }))], ['node.kubernetes.io/unschedulable:NoSchedule']);
  assert.deepEqual([...desiredManagedTaints(node(undefined))], []);
});

test('reconcileTaints keeps foreign taints and timeAdded, stamps new NoExecute ones', () => {
  const foreign: Taint = { key: 'example.com/gpu', value: 'yes', effect: 'NoSchedule' };
  const kept: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2024-01-01T00:00:00Z' };
  const n = node('Unknown', { taints: [foreign, kept, { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: 'x' }] });
  const next = reconcileTaints(n, desiredManagedTaints(n), '2024-01-02T00:00:00Z');
  assert.deepEqual(next, [foreign, kept, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }]);
  assert.equal(reconcileTaints({ ...n, spec: { taints: next } }, desiredManagedTaints(n), 'later'), undefined);
  assert.deepEqual(reconcileTaints({ ...n, spec: { taints: next } }, new Set(), 'later'), [foreign]);
});

test('tolerations match like ToleratesTaint', () => {
  const taint: Taint = { key: 'k', value: 'v', effect: 'NoExecute' };
  assert.ok(tolerates({ key: 'k', operator: 'Exists' }, taint));
  assert.ok(tolerates({ key: 'k', value: 'v' }, taint));
  assert.ok(!tolerates({ key: 'k', value: 'w' }, taint));
  assert.ok(tolerates({ operator: 'Exists' }, taint));
  assert.ok(!tolerates({ operator: 'Exists', effect: 'NoSchedule' }, taint));
  assert.ok(!tolerates({ key: 'other', operator: 'Exists' }, taint));
});

test('planEviction: untolerated now, bounded at the earliest deadline, unbounded never', () => {
  const taints: Taint[] = [{ key: 'a', effect: 'NoExecute' }, { key: 'b', effect: 'NoExecute' }, { key: 'c', effect: 'NoSchedule' }];
  const start = (t: Taint): number => (t.key === 'a' ? 1000 : 5000);
  assert.equal(planEviction([{ key: 'a', operator: 'Exists' }], taints, start).kind, 'now');
  assert.deepEqual(planEviction([{ key: 'a', operator: 'Exists', tolerationSeconds: 10 }, { key: 'b', operator: 'Exists', tolerationSeconds: 2 }], taints, start), { kind: 'at', atMs: 7000 });
  assert.deepEqual(planEviction([{ operator: 'Exists', tolerationSeconds: 30 }, { key: 'a', operator: 'Exists', tolerationSeconds: 1 }], taints, start), { kind: 'at', atMs: 2000 });
  assert.deepEqual(planEviction([{ operator: 'Exists' }], taints, start), { kind: 'keep' });
  assert.deepEqual(planEviction([{ operator: 'Exists', tolerationSeconds: -5 }], taints, start), { kind: 'at', atMs: 1000 });
});

test('health: last heard is the later of lease and heartbeat; Unknown keeps heartbeat', () => {
  const n = node('True');
  assert.equal(lastHeardMs(n, undefined), Date.parse('2024-01-01T00:01:00Z'));
  assert.equal(lastHeardMs(n, { metadata: { name: 'n1' }, spec: { renewTime: '2024-01-01T00:02:00.500000Z' } }), Date.parse('2024-01-01T00:02:00.500Z'));
  assert.equal(lastHeardMs(node(undefined), undefined), Date.parse('2024-01-01T00:00:00Z'));
  const conditions = unknownConditions(n, '2024-01-03T00:00:00Z') ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  assert.deepEqual(ready, { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: '2024-01-01T00:01:00Z', lastTransitionTime: '2024-01-03T00:00:00Z' });
  assert.equal(conditions.find((c) => c.type === 'MemoryPressure')?.reason, 'NodeStatusNeverUpdated');
  assert.equal(unknownConditions({ ...n, status: { conditions } }, 'later'), undefined);
});
