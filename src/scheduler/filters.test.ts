import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Algorithm, FitError, fitErrorMessage, NO_NODES_AVAILABLE } from './algorithm.js';
import { newPodInfo, NodeInfo } from './cache.js';
import { interPodAffinityFilter, interPodAffinityPreFilter } from './plugins/inter-pod-affinity.js';
import { nodeAffinityFilter, nodeAffinityScore } from './plugins/node-affinity.js';
import { nodeNameFilter } from './plugins/node-name.js';
import { nodePortsFilter } from './plugins/node-ports.js';
import { balancedAllocationScore, leastAllocatedScore, nodeResourcesFitFilter } from './plugins/node-resources.js';
import { nodeUnschedulableFilter } from './plugins/node-unschedulable.js';
import { taintTolerationFilter, taintTolerationScore } from './plugins/taint-toleration.js';
import { topologySpreadFilter, topologySpreadPreFilter } from './plugins/topology-spread.js';
import { podRequests } from './resources.js';
import type { Container, Node, Pod, PodSpec } from './types.js';

function node(name: string, opts: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; spec?: Node['spec'] } = {}): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...opts.labels } },
    spec: opts.spec ?? {},
    status: { allocatable: { cpu: opts.cpu ?? '4', memory: opts.memory ?? '8Gi', pods: opts.pods ?? '110' } },
  };
}

function pod(name: string, spec: Partial<PodSpec> = {}, labels: Record<string, string> = {}, requests: Record<string, string> = {}): Pod {
  const containers: Container[] = spec.containers ?? [{ name: 'c', image: 'busybox', resources: { requests } }];
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { ...spec, containers } };
}

function nodeInfo(n: Node, pods: Pod[] = []): NodeInfo {
  const info = new NodeInfo(n.metadata.name!);
  info.setNode(n);
  for (const p of pods) info.addPod(newPodInfo({ ...p, spec: { ...p.spec, nodeName: n.metadata.name } }));
  return info;
}

test('pod requests: max of containers and init containers, sidecars added, plus overhead', () => {
  const p = pod('p', {
    containers: [
      { name: 'a', resources: { requests: { cpu: '100m', memory: '100Mi' } } },
      { name: 'b', resources: { limits: { cpu: '200m' } } },
    ],
    initContainers: [
      { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
      { name: 'init', resources: { requests: { cpu: '1', memory: '10Mi' } } },
    ],
    overhead: { cpu: '10m' },
  });
  const r = podRequests(p);
  // containers 300m + sidecar 50m = 350m; init 1 + sidecar 50m = 1.05 → max 1.05 + 10m overhead.
  assert.ok(Math.abs(r.get('cpu')! - 1.06) < 1e-9);
  assert.equal(r.get('memory'), 100 * 2 ** 20);
});

test('NodeUnschedulable rejects cordoned nodes unless tolerated', () => {
  const cordoned = node('n', { spec: { unschedulable: true } });
  assert.deepEqual(nodeUnschedulableFilter(pod('p'), cordoned)?.reasons, ['node(s) were unschedulable']);
  assert.equal(nodeUnschedulableFilter(pod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), cordoned), null);
  assert.equal(nodeUnschedulableFilter(pod('p'), node('m')), null);
});

test('NodeName matches only the named node', () => {
  assert.equal(nodeNameFilter(pod('p', { nodeName: 'a' }), node('a')), null);
  assert.deepEqual(nodeNameFilter(pod('p', { nodeName: 'a' }), node('b'))?.reasons, ["node(s) didn't match the requested node name"]);
  assert.equal(nodeNameFilter(pod('p'), node('b')), null);
});

test('NodeAffinity: nodeSelector, required terms with all operators, matchFields', () => {
  const n = node('n1', { labels: { zone: 'a', gen: '5' } });
  const reason = "node(s) didn't match Pod's node affinity/selector";
  assert.equal(nodeAffinityFilter(pod('p', { nodeSelector: { zone: 'a' } }), n), null);
  assert.deepEqual(nodeAffinityFilter(pod('p', { nodeSelector: { zone: 'b' } }), n)?.reasons, [reason]);
  const required = (expr: { key: string; operator: string; values?: string[] }[], fields: { key: string; operator: string; values?: string[] }[] = []): Pod =>
    pod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: expr, matchFields: fields }] } } } });
  assert.equal(nodeAffinityFilter(required([{ key: 'zone', operator: 'In', values: ['a', 'b'] }]), n), null);
  assert.ok(nodeAffinityFilter(required([{ key: 'zone', operator: 'NotIn', values: ['a'] }]), n));
  assert.equal(nodeAffinityFilter(required([{ key: 'zone', operator: 'Exists' }]), n), null);
  assert.ok(nodeAffinityFilter(required([{ key: 'zone', operator: 'DoesNotExist' }]), n));
  assert.equal(nodeAffinityFilter(required([{ key: 'gen', operator: 'Gt', values: ['4'] }]), n), null);
  assert.ok(nodeAffinityFilter(required([{ key: 'gen', operator: 'Lt', values: ['5'] }]), n));
  assert.equal(nodeAffinityFilter(required([], [{ key: 'metadata.name', operator: 'In', values: ['n1'] }]), n), null);
  assert.ok(nodeAffinityFilter(required([], [{ key: 'metadata.name', operator: 'In', values: ['n2'] }]), n));
  const preferred = pod('p', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [
    { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
    { weight: 5, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] } },
  ] } } });
  assert.equal(nodeAffinityScore(preferred, n), 10);
});

test('TaintToleration: NoSchedule and NoExecute need tolerations; PreferNoSchedule counts', () => {
  const n = node('n', { spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'soft', effect: 'PreferNoSchedule' }] } });
  assert.deepEqual(taintTolerationFilter(pod('p'), n)?.reasons, ['node(s) had untolerated taint {dedicated: gpu}']);
  assert.equal(taintTolerationFilter(pod('p', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }), n), null);
  assert.equal(taintTolerationFilter(pod('p', { tolerations: [{ operator: 'Exists' }] }), n), null);
  assert.ok(taintTolerationFilter(pod('p', { tolerations: [{ key: 'dedicated', value: 'cpu' }] }), n));
  const exec = node('x', { spec: { taints: [{ key: 'k', effect: 'NoExecute' }] } });
  assert.deepEqual(taintTolerationFilter(pod('p'), exec)?.reasons, ['node(s) had untolerated taint {k: }']);
  assert.equal(taintTolerationScore(pod('p'), n), 1);
  assert.equal(taintTolerationScore(pod('p', { tolerations: [{ key: 'soft', operator: 'Exists' }] }), n), 0);
});

test('NodeResourcesFit: cpu, memory, pod count, assumed pods count', () => {
  const n = node('n', { cpu: '2', memory: '1Gi', pods: '2' });
  const big = newPodInfo(pod('big', {}, {}, { cpu: '3', memory: '2Gi' }));
  assert.deepEqual(nodeResourcesFitFilter(big, nodeInfo(n))?.reasons, ['Insufficient cpu', 'Insufficient memory']);
  const small = newPodInfo(pod('small', {}, {}, { cpu: '500m' }));
  assert.equal(nodeResourcesFitFilter(small, nodeInfo(n)), null);
  const full = nodeInfo(n, [pod('a', {}, {}, { cpu: '1' }), pod('b', {}, {}, { cpu: '1' })]);
  assert.deepEqual(nodeResourcesFitFilter(small, full)?.reasons, ['Too many pods', 'Insufficient cpu']);
  const gpu = newPodInfo(pod('g', {}, {}, { 'nvidia.com/gpu': '1' }));
  assert.deepEqual(nodeResourcesFitFilter(gpu, nodeInfo(n))?.reasons, ['Insufficient nvidia.com/gpu']);
  // 0.1 + 0.2 style float sums must not spill over.
  const tenths = nodeInfo(node('t', { cpu: '300m' }), [pod('a', {}, {}, { cpu: '100m' }), pod('b', {}, {}, { cpu: '100m' })]);
  assert.equal(nodeResourcesFitFilter(newPodInfo(pod('c', {}, {}, { cpu: '100m' })), tenths), null);
});

test('LeastAllocated prefers emptier nodes; BalancedAllocation prefers balanced use', () => {
  const p = newPodInfo(pod('p', {}, {}, { cpu: '1', memory: '1Gi' }));
  const empty = nodeInfo(node('e', { cpu: '4', memory: '4Gi' }));
  const busy = nodeInfo(node('b', { cpu: '4', memory: '4Gi' }), [pod('x', {}, {}, { cpu: '2', memory: '2Gi' })]);
  assert.equal(leastAllocatedScore(p, empty), 75);
  assert.equal(leastAllocatedScore(p, busy), 25);
  assert.equal(balancedAllocationScore(p, empty), 100);
  const skewed = newPodInfo(pod('s', {}, {}, { cpu: '4', memory: '0' }));
  assert.equal(balancedAllocationScore(skewed, empty), 50);
});

test('NodePorts: the same host port and protocol conflicts; 0.0.0.0 clashes with any ip', () => {
  const withPort = (name: string, port: number, hostIP?: string, protocol?: string): Pod => pod(name, { containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: port, hostIP, protocol }] }] });
  const n = nodeInfo(node('n'), [withPort('a', 8080)]);
  assert.deepEqual(nodePortsFilter(newPodInfo(withPort('b', 8080)), n)?.reasons, ["node(s) didn't have free ports for the requested pod ports"]);
  assert.equal(nodePortsFilter(newPodInfo(withPort('b', 8081)), n), null);
  assert.equal(nodePortsFilter(newPodInfo(withPort('b', 8080, undefined, 'UDP')), n), null);
  assert.ok(nodePortsFilter(newPodInfo(withPort('b', 8080, '10.0.0.1')), n));
  const specific = nodeInfo(node('m'), [withPort('a', 9000, '10.0.0.1')]);
  assert.equal(nodePortsFilter(newPodInfo(withPort('b', 9000, '10.0.0.2')), specific), null);
});

test('PodTopologySpread: skew against the least loaded domain', () => {
  const spread = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }] };
  const web = (name: string): Pod => pod(name, {}, { app: 'web' });
  const a = nodeInfo(node('a', { labels: { zone: 'z1' } }), [web('w1')]);
  const b = nodeInfo(node('b', { labels: { zone: 'z2' } }));
  const c = nodeInfo(node('c'));
  const incoming = newPodInfo(pod('w2', spread, { app: 'web' }));
  const state = topologySpreadPreFilter(incoming, [a, b, c]);
  assert.deepEqual(topologySpreadFilter(state, a)?.reasons, ["node(s) didn't match pod topology spread constraints"]);
  assert.equal(topologySpreadFilter(state, b), null);
  assert.deepEqual(topologySpreadFilter(state, c)?.reasons, ["node(s) didn't match pod topology spread constraints (missing required label)"]);
});

test('InterPodAffinity: required anti-affinity, affinity, and existing pods\' anti-affinity', () => {
  const anti = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'db' } } }] } } };
  const a = nodeInfo(node('a'), [pod('db1', {}, { app: 'db' })]);
  const b = nodeInfo(node('b'));
  const incoming = newPodInfo(pod('db2', anti, { app: 'db' }));
  const state = interPodAffinityPreFilter(incoming, [a, b]);
  assert.deepEqual(interPodAffinityFilter(state, a)?.reasons, ["node(s) didn't match pod anti-affinity rules"]);
  assert.equal(interPodAffinityFilter(state, b), null);

  const affinity = { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'db' } } }] } } };
  const follower = newPodInfo(pod('cache', affinity, { app: 'cache' }));
  const s2 = interPodAffinityPreFilter(follower, [a, b]);
  assert.equal(interPodAffinityFilter(s2, a), null);
  assert.deepEqual(interPodAffinityFilter(s2, b)?.reasons, ["node(s) didn't match pod affinity rules"]);
  // The first pod of a self-affine group may go anywhere.
  const first = newPodInfo(pod('first', affinity, { app: 'db' }));
  const s3 = interPodAffinityPreFilter(first, [b]);
  assert.equal(interPodAffinityFilter(s3, b), null);

  const guarded = nodeInfo(node('g'), [pod('lonely', anti, { app: 'x' })]);
  const s4 = interPodAffinityPreFilter(newPodInfo(pod('intruder', {}, { app: 'db' })), [guarded, b]);
  assert.deepEqual(interPodAffinityFilter(s4, guarded)?.reasons, ["node(s) didn't satisfy existing pods anti-affinity rules"]);
  assert.equal(interPodAffinityFilter(s4, b), null);
});

test('fit error messages count reasons per node, sorted, with the preemption part', () => {
  assert.equal(fitErrorMessage(3, [{ plugin: 'x', code: 'Unschedulable', reasons: ['Insufficient cpu'] }, { plugin: 'x', code: 'Unschedulable', reasons: ['Insufficient cpu'] }]), '0/3 nodes are available: 2 Insufficient cpu.');
  const algo = new Algorithm();
  const p = newPodInfo(pod('p', { nodeSelector: { disk: 'ssd' } }, {}, { cpu: '8' }));
  const nodes = [nodeInfo(node('a', { labels: { disk: 'ssd' } })), nodeInfo(node('b', { labels: { disk: 'ssd' } })), nodeInfo(node('c'))];
  assert.throws(() => algo.schedule(p, nodes), (e: unknown) => e instanceof FitError && e.message ===
    "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.");
  assert.throws(() => algo.schedule(p, []), new RegExp(NO_NODES_AVAILABLE));
});

test('the algorithm picks the highest score and breaks ties round-robin', () => {
  const algo = new Algorithm();
  const nodes = [nodeInfo(node('a')), nodeInfo(node('b')), nodeInfo(node('c'))];
  const picks = [0, 1, 2].map((i) => algo.schedule(newPodInfo(pod(`p${i}`)), nodes).nodeName);
  assert.equal(new Set(picks).size, 3);
  const loaded = [nodeInfo(node('a'), [pod('x', {}, {}, { cpu: '2' })]), nodeInfo(node('b'))];
  assert.equal(algo.schedule(newPodInfo(pod('q', {}, {}, { cpu: '1' })), loaded).nodeName, 'b');
});

test('scores: preferred node affinity, PreferNoSchedule taints and ScheduleAnyway spread steer the choice', () => {
  const algo = new Algorithm();
  const nodes = [nodeInfo(node('a', { labels: { zone: 'x' } })), nodeInfo(node('b', { labels: { zone: 'y' } }))];
  const prefers = pod('p', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['y'] }] } }] } } });
  for (let i = 0; i < 3; i++) assert.equal(algo.schedule(newPodInfo(prefers), nodes).nodeName, 'b');
  const tainted = [nodeInfo(node('a', { spec: { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] } })), nodeInfo(node('b'))];
  for (let i = 0; i < 3; i++) assert.equal(algo.schedule(newPodInfo(pod('q')), tainted).nodeName, 'b');
  const soft = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'w' } } }] };
  const crowded = [nodeInfo(node('a', { labels: { zone: 'x' } }), [pod('w1', {}, { app: 'w' }), pod('w2', {}, { app: 'w' })]), nodeInfo(node('b', { labels: { zone: 'y' } }))];
  for (let i = 0; i < 3; i++) assert.equal(algo.schedule(newPodInfo(pod('w3', soft, { app: 'w' })), crowded).nodeName, 'b');
});
