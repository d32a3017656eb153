import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeInfo, newPodInfo, type PodInfo } from './cache.js';
import { findCandidates, pickCandidate, type Candidate, type PodDisruptionBudget } from './preemption.js';
import { unresolvable, unschedulable, type FilterStatus } from './plugins/status.js';
import type { Pod } from './types.js';

const pod = (name: string, cpu: string, priority: number, labels: Record<string, string> = {}): PodInfo => newPodInfo({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels },
  spec: { priority, containers: [{ name: 'c', resources: { requests: { cpu } } }] },
} as Pod);

function node(name: string, cpu: string, pods: PodInfo[]): NodeInfo {
  const info = new NodeInfo(name);
  info.setNode({ apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { allocatable: { cpu, memory: '8Gi', pods: '110' } } });
  for (const p of pods) info.addPod({ ...p, pod: { ...p.pod, spec: { ...p.pod.spec, nodeName: name } } });
  return info;
}

const insufficient = (...names: string[]): Map<string, FilterStatus> => new Map(names.map((n) => [n, unschedulable('NodeResourcesFit', 'Insufficient cpu')]));
const victimNames = (c: Candidate | undefined): string[] => (c?.victims ?? []).map((v) => v.pod.metadata.name ?? '');

test('reprieve keeps the most important pods and evicts only what is needed', () => {
  const n = node('n1', '2', [pod('p100', '500m', 100), pod('p10', '500m', 10), pod('p5', '500m', 5), pod('p200', '500m', 2000)]);
  const [c] = findCandidates(pod('me', '1', 1000), [n], insufficient('n1'), []);
  assert.deepEqual(victimNames(c), ['p10', 'p5']);
});

test('unresolvable nodes and nodes without enough lower-priority pods are no candidates', () => {
  const a = node('a', '1', [pod('low', '900m', 0)]);
  const b = node('b', '1', [pod('peer', '900m', 1000)]);
  const statuses = insufficient('b');
  statuses.set('a', unresolvable('NodeAffinity', "node(s) didn't match Pod's node affinity/selector"));
  assert.deepEqual(findCandidates(pod('me', '900m', 1000), [a, b], statuses, []), []);
});

test('node choice: fewest PDB violations, then lowest top victim, smallest sum, fewest victims', () => {
  const me = pod('me', '1', 1000);
  const pdb: PodDisruptionBudget = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'db' } } }, status: { disruptionsAllowed: 0 } };
  const guarded = node('guarded', '1', [pod('db', '1', 0, { app: 'db' })]);
  const high = node('high', '1', [pod('mid', '1', 500)]);
  const two = node('two', '1', [pod('x', '500m', 10), pod('y', '500m', 10)]);
  const one = node('one', '1', [pod('z', '1', 10)]);
  const all = [guarded, high, two, one];
  const pick = (nodes: NodeInfo[]): string | undefined => pickCandidate(findCandidates(me, nodes, insufficient(...nodes.map((n) => n.name)), [pdb]))?.nodeName;
  assert.equal(pick([guarded, high]), 'high');
  assert.equal(pick([high, two]), 'two');
  // kube offsets each priority by 2^31 before summing, so one victim beats two of the same priority.
  assert.equal(pick(all), 'one');
  assert.equal(pick([guarded]), 'guarded');
});
