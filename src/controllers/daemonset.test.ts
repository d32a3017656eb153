import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { startTestApi, waitFor } from '../client/testing.js';
import type { Client } from '../client/index.js';
import { DaemonSetController, daemonSetsRef, nodesRef, type DaemonSet } from './daemonset.js';
import type { Pod } from './daemonset-pods.js';
import { nodeShouldRunDaemonPod, targetNodeName, withDaemonTolerations, type Node } from './daemonset-util.js';
import { controllerRevisionsRef, type ControllerRevision } from './controller-revision.js';
import { Scheduler } from '../scheduler/index.js';
import { SimulatedNodes } from '../simulated/index.js';

const podsRef = { apiVersion: 'v1', plural: 'pods' };
const eventsRef = { apiVersion: 'v1', plural: 'events' };


/** Read-modify-write of a DaemonSet, retried while the controller's status writes conflict. */
async function mutate(client: Client, name: string, change: (ds: DaemonSet) => void): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const ds = await client.get<DaemonSet>(daemonSetsRef, 'default', name);
    change(ds);
    try {
      await client.update(daemonSetsRef, ds);
      return;
    } catch (error: unknown) {
      if ((error as { code?: unknown }).code !== 409 || attempt >= 20) throw error;
      // The store can briefly report a conflict while a write is pending: wait a moment.
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

interface Cluster {
  client: Client;
  signal: AbortSignal;
  /** Starts more simulated nodes named `${prefix}1…`. */
  addNodes(prefix: string, count: number): Promise<void>;
}

/** Simulated nodes, the scheduler and the controller under test; all stop when the test ends. */
async function cluster(t: TestContext, nodes = 3): Promise<Cluster> {
  // Loaded dynamically: only the controller is bound by the controllers layering rule.
  const api = await startTestApi();
  const abort = new AbortController();
  setMaxListeners(64, abort.signal);
  const running: Array<Promise<void>> = [];
  const sims: Array<{ run(signal: AbortSignal): Promise<void> }> = [];
  t.after(async () => {
    abort.abort();
    await Promise.allSettled(running);
    await Promise.allSettled(sims.map((s) => s.run(abort.signal)));
    await api.stop();
  });
  const addNodes = async (namePrefix: string, count: number): Promise<void> => {
    const sim = new SimulatedNodes({ client: api.clientAs('system:node'), count, namePrefix, startDelayMs: 30 });
    sims.push(sim);
    await sim.start(abort.signal);
  };
  await addNodes('sim-node-', nodes);
  running.push(new Scheduler({ client: api.clientAs('scheduler') }).run(abort.signal));
  running.push(new DaemonSetController({ client: api.clientAs('daemonset-controller') }).run(abort.signal));
  return { client: api.client, signal: abort.signal, addNodes };
}

function daemonSet(name: string, extra: Partial<NonNullable<DaemonSet['spec']>> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'agent:1' }] } },
      ...extra,
    },
  };
}

async function podsOf(client: Client, app: string): Promise<Pod[]> {
  const list = await client.list<Pod>(podsRef, 'default', { labelSelector: `app=${app}` });
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

const nodesOf = (pods: Pod[]): string[] => pods.map((p) => p.spec?.nodeName ?? '?').sort();
const readyOn = (pods: Pod[], nodes: string[]): boolean =>
  JSON.stringify(nodesOf(pods)) === JSON.stringify([...nodes].sort()) && pods.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

function bareNode(name: string, taints?: Node['spec']): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, ...(taints ? { spec: taints } : {}) };
}

test('eligibility: node selector, required affinity, taints and the default daemon tolerations', () => {
  const node = (labels: Record<string, string>, taints: Array<{ key: string; effect: string; value?: string }> = []): Node => ({ metadata: { name: 'n1', labels }, spec: { taints } });
  assert.deepEqual(nodeShouldRunDaemonPod(node({ disk: 'ssd' }), { nodeSelector: { disk: 'ssd' } }), { shouldRun: true, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(node({}), { nodeSelector: { disk: 'ssd' } }), { shouldRun: false, shouldContinueRunning: false });
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } };
  assert.equal(nodeShouldRunDaemonPod(node({ zone: 'a' }), { affinity }).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(node({ zone: 'b' }), { affinity }).shouldRun, false);
  // NoSchedule keeps new pods off but lets existing ones stay; NoExecute evicts.
  assert.deepEqual(nodeShouldRunDaemonPod(node({}, [{ key: 'dedicated', effect: 'NoSchedule' }]), {}), { shouldRun: false, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(node({}, [{ key: 'dedicated', effect: 'NoExecute' }]), {}), { shouldRun: false, shouldContinueRunning: false });
  assert.equal(nodeShouldRunDaemonPod(node({}, [{ key: 'dedicated', effect: 'NoSchedule' }]), { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }).shouldRun, true);
  // Daemon pods tolerate cordoned, pressured, not-ready and unreachable nodes.
  for (const key of ['node.kubernetes.io/unschedulable', 'node.kubernetes.io/disk-pressure', 'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure']) {
    assert.equal(nodeShouldRunDaemonPod(node({}, [{ key, effect: 'NoSchedule' }]), {}).shouldRun, true, key);
  }
  assert.equal(nodeShouldRunDaemonPod(node({}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), {}).shouldRun, true);
  assert.equal(withDaemonTolerations({}).length, 6);
  assert.equal(withDaemonTolerations({ hostNetwork: true }).length, 7);
  assert.equal(targetNodeName({ spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n9'] }] }] } } } } }), 'n9');
});

test('one pod per node through the scheduler; follows added and removed nodes; skips tainted nodes', async (t) => {
  const { client, addNodes } = await cluster(t, 3);
  await client.create(daemonSetsRef, 'default', daemonSet('agent'));
  const three = ['sim-node-1', 'sim-node-2', 'sim-node-3'];
  let pods = await waitFor('3 ready daemon pods', async () => {
    const p = await podsOf(client, 'agent');
    return readyOn(p, three) && p;
  });
  for (const pod of pods) {
    // Placed by the scheduler: node-name affinity, the daemon tolerations and the revision label.
    assert.equal(targetNodeName(pod), pod.spec?.nodeName);
    assert.ok(pod.spec?.tolerations?.some((tol) => tol.key === 'node.kubernetes.io/unreachable' && tol.effect === 'NoExecute' && tol.tolerationSeconds === undefined));
    assert.ok(pod.metadata.labels?.['controller-revision-hash']);
    assert.equal(pod.metadata.labels?.['pod-template-generation'], '1');
    assert.equal(pod.metadata.ownerReferences?.[0]?.kind, 'DaemonSet');
    assert.ok(pod.metadata.name?.startsWith('agent-'));
  }
  let ds = await waitFor('status', async () => {
    const d = await client.get<DaemonSet>(daemonSetsRef, 'default', 'agent');
    return d.status?.numberReady === 3 && d.status?.numberAvailable === 3 && d;
  });
  assert.equal(ds.status?.desiredNumberScheduled, 3);
  assert.equal(ds.status?.currentNumberScheduled, 3);
  assert.equal(ds.status?.updatedNumberScheduled, 3);
  assert.equal(ds.status?.numberMisscheduled, 0);
  assert.equal(ds.status?.observedGeneration, ds.metadata.generation);
  const revisions = await client.list<ControllerRevision>(controllerRevisionsRef, 'default');
  assert.equal(revisions.items.length, 1);
  assert.equal(revisions.items[0]?.revision, 1);
  assert.equal(revisions.items[0]?.metadata.name, `agent-${pods[0]?.metadata.labels?.['controller-revision-hash']}`);
  const events = await waitFor('events', async () => {
    const list = await client.list(eventsRef, 'default');
    const created = list.items.filter((e) => e.reason === 'SuccessfulCreate' && (e.involvedObject as { kind?: string }).kind === 'DaemonSet');
    return created.length === 3 && created;
  });
  assert.ok(events.every((e) => /^Created pod: agent-/.test(String(e.message))));

  // A tainted node gets no pod; a node added later does.
  await client.create(nodesRef, undefined, bareNode('tainted-node', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] }));
  await addNodes('late-node-', 1);
  const four = [...three, 'late-node-1'];
  pods = await waitFor('a pod on the new node', async () => {
    const p = await podsOf(client, 'agent');
    return readyOn(p, four) && p;
  });
  ds = await waitFor('status of 4', async () => {
    const d = await client.get<DaemonSet>(daemonSetsRef, 'default', 'agent');
    return d.status?.numberReady === 4 && d;
  });
  assert.equal(ds.status?.desiredNumberScheduled, 4);
  assert.ok(!pods.some((p) => targetNodeName(p) === 'tainted-node'));

  // A node that goes away takes its daemon pod with it.
  await client.create(nodesRef, undefined, bareNode('short-lived'));
  await waitFor('a pod for short-lived', async () => (await podsOf(client, 'agent')).some((p) => targetNodeName(p) === 'short-lived'));
  await client.delete(nodesRef, undefined, 'short-lived');
  await waitFor('the pod of short-lived gone', async () => !(await podsOf(client, 'agent')).some((p) => targetNodeName(p) === 'short-lived'));
  ds = await waitFor('desired 4 again', async () => {
    const d = await client.get<DaemonSet>(daemonSetsRef, 'default', 'agent');
    return d.status?.desiredNumberScheduled === 4 && d.status.currentNumberScheduled === 4 && d;
  });
});

test('rolling update replaces pods one node at a time and records a second revision; OnDelete waits', async (t) => {
  const { client } = await cluster(t, 3);
  await client.create(daemonSetsRef, 'default', daemonSet('roll', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } }));
  const nodes = ['sim-node-1', 'sim-node-2', 'sim-node-3'];
  const before = await waitFor('3 ready pods', async () => {
    const p = await podsOf(client, 'roll');
    return readyOn(p, nodes) && p;
  });
  const oldHash = before[0]?.metadata.labels?.['controller-revision-hash'];
  await mutate(client, 'roll', (ds) => {
    ds.spec!.template!.spec = { containers: [{ name: 'c', image: 'agent:2' }] };
  });

  // Never more than maxUnavailable (1) node without an available pod during the rollout.
  let worst = 0;
  const after = await waitFor('all pods updated', async () => {
    const p = await podsOf(client, 'roll');
    const ready = p.filter((x) => x.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    worst = Math.max(worst, 3 - ready.length);
    return readyOn(p, nodes) && p.every((x) => x.metadata.labels?.['controller-revision-hash'] !== oldHash) && p;
  }, 15_000);
  assert.ok(worst <= 1, `at most one node unavailable, saw ${worst}`);
  assert.ok(after.every((p) => (p.spec?.containers as Array<{ image: string }>)[0]?.image === 'agent:2'));
  const status = await waitFor('updated status', async () => {
    const d = await client.get<DaemonSet>(daemonSetsRef, 'default', 'roll');
    return d.status?.updatedNumberScheduled === 3 && d.status.numberAvailable === 3 && d.status;
  });
  assert.equal(status.numberUnavailable, undefined);
  const revisions = (await client.list<ControllerRevision>(controllerRevisionsRef, 'default')).items.sort((a, b) => a.revision - b.revision);
  assert.deepEqual(revisions.map((r) => r.revision), [1, 2]);

  // OnDelete: a template change alone replaces nothing; a deleted pod comes back updated.
  await mutate(client, 'roll', (ds) => {
    ds.spec!.updateStrategy = { type: 'OnDelete' };
    ds.spec!.template!.spec = { containers: [{ name: 'c', image: 'agent:3' }] };
  });
  await waitFor('3 revisions', async () => (await client.list(controllerRevisionsRef, 'default')).items.length === 3);
  await new Promise((r) => setTimeout(r, 300));
  let pods = await podsOf(client, 'roll');
  assert.ok(pods.every((p) => (p.spec?.containers as Array<{ image: string }>)[0]?.image === 'agent:2'));
  const victim = pods.find((p) => p.spec?.nodeName === 'sim-node-2')!;
  await client.delete(podsRef, 'default', victim.metadata.name ?? '', { gracePeriodSeconds: 0 });
  pods = await waitFor('a replacement on sim-node-2', async () => {
    const p = await podsOf(client, 'roll');
    return p.some((x) => x.spec?.nodeName === 'sim-node-2' && x.metadata.uid !== victim.metadata.uid) && p;
  });
  const images = new Map(pods.map((p) => [p.spec?.nodeName, (p.spec?.containers as Array<{ image: string }>)[0]?.image]));
  assert.equal(images.get('sim-node-2'), 'agent:3');
  assert.equal(images.get('sim-node-1'), 'agent:2');
});
