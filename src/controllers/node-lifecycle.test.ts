import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { startTestApi, waitFor } from '../client/testing.js';
import type { Client } from '../client/index.js';
import { NodeLifecycleController, nodesRef } from './node-lifecycle.js';
import { ReplicaSetController, podsRef, replicaSetsRef, type Pod, type ReplicaSet } from './replicaset.js';
import type { Node, Taint, Toleration } from './node-lifecycle-taints.js';
import { Scheduler } from '../scheduler/index.js';
import { SimulatedNodes } from '../simulated/index.js';

const eventsRef = { apiVersion: 'v1', plural: 'events' };
const node1 = 'sim-node-1';
const node2 = 'sim-node-2';


/** Retries a write on conflicts (kubelets and the controller write the same objects). */
async function retrying<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error: unknown) {
      if ((error as { code?: unknown }).code !== 409 || attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

interface Cluster {
  client: Client;
  sim: { stop(name: string): void; start(name: string): Promise<void> };
}

/**
 * Two simulated nodes (lease every 100 ms), the controller (grace 500 ms) and optionally the
 * scheduler and ReplicaSet controller. Everything stops when the test ends.
 */
async function cluster(t: TestContext, options: { workloads?: boolean } = {}): Promise<Cluster> {
  // Other parts are loaded dynamically: only the controller under test is bound by the
  // controllers layering rule; the test wires a cluster together as the CLI would.
  const api = await startTestApi();
  const abort = new AbortController();
  // One signal stops the whole cluster: its many watches and workers each listen to it.
  setMaxListeners(64, abort.signal);
  const sim = new SimulatedNodes({ client: api.clientAs('system:node'), count: 2, leaseRenewMs: 100, startDelayMs: 50 });
  const running: Array<Promise<void>> = [];
  t.after(async () => {
    abort.abort();
    await Promise.allSettled(running);
    await sim.run(abort.signal);
    await api.stop();
  });
  await sim.start(abort.signal);
  running.push(new NodeLifecycleController({ client: api.clientAs('node-controller'), nodeMonitorGracePeriodMs: 500, monitorIntervalMs: 100 }).run(abort.signal));
  if (options.workloads) {
    running.push(new Scheduler({ client: api.clientAs('scheduler') }).run(abort.signal));
    running.push(new ReplicaSetController({ client: api.clientAs('replicaset-controller') }).run(abort.signal));
  }
  return { client: api.client, sim };
}

const getNode = (client: Client, name: string): Promise<Node> => client.get<Node>(nodesRef, undefined, name);
const readyOf = (object: Node | Pod): { status?: string; reason?: unknown; message?: unknown; lastHeartbeatTime?: unknown } | undefined =>
  (object.status?.conditions as Array<{ type: string; status: string }> | undefined)?.find((c) => c.type === 'Ready');
const taintIds = (node: Node): string[] => (node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();

function pod(name: string, nodeName: string, tolerations: Toleration[] = []): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName, tolerations, containers: [{ name: 'c', image: 'nginx' }] },
  };
}

async function runningPod(client: Client, name: string, nodeName: string, tolerations: Toleration[] = []): Promise<void> {
  await client.create(podsRef, 'default', pod(name, nodeName, tolerations));
  await waitFor(`pod ${name} ready`, async () => readyOf(await client.get<Pod>(podsRef, 'default', name))?.status === 'True');
}

test('a silent node goes Unknown and unreachable; its pods lose Ready; it recovers when it posts again', async (t) => {
  const { client, sim } = await cluster(t);
  await runningPod(client, 'web', node1);
  const before = readyOf(await getNode(client, node1));
  assert.equal(before?.status, 'True');

  const stoppedAt = Date.now();
  sim.stop(node1);
  const dead = await waitFor('node 1 unreachable', async () => {
    const node = await getNode(client, node1);
    return readyOf(node)?.status === 'Unknown' && taintIds(node).length === 2 ? node : undefined;
  }, 3000);
  assert.ok(Date.now() - stoppedAt < 1500, `marked after ${Date.now() - stoppedAt} ms`);
  const ready = readyOf(dead);
  assert.equal(ready?.reason, 'NodeStatusUnknown');
  assert.equal(ready?.message, 'Kubelet stopped posting node status.');
  assert.equal(ready?.lastHeartbeatTime, before?.lastHeartbeatTime);
  for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) {
    assert.equal(dead.status?.conditions?.find((c) => c.type === type)?.status, 'Unknown', type);
  }
  assert.deepEqual(taintIds(dead), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
  assert.ok(dead.spec?.taints?.find((x) => x.effect === 'NoExecute')?.timeAdded);
  assert.deepEqual(taintIds(await getNode(client, node2)), []);

  await waitFor('pod not ready', async () => readyOf(await client.get<Pod>(podsRef, 'default', 'web'))?.status === 'False', 3000);
  await waitFor('NodeNotReady event', async () => {
    const events = await client.list<{ metadata: { name?: string }; reason?: string; involvedObject?: { name?: string } } & Pod>(eventsRef, 'default');
    return events.items.some((e) => e.reason === 'NodeNotReady' && e.involvedObject?.name === node1);
  });
  // The default 300 s toleration of unreachable keeps the pod for now.
  assert.equal((await client.get<Pod>(podsRef, 'default', 'web')).metadata.deletionTimestamp, undefined);

  await sim.start(node1);
  const back = await waitFor('node 1 back', async () => {
    const node = await getNode(client, node1);
    return readyOf(node)?.status === 'True' && taintIds(node).length === 0 ? node : undefined;
  }, 3000);
  assert.deepEqual(back.spec?.taints ?? [], []);
});

test('taint-based eviction honours tolerationSeconds and evicts untolerated pods at once', async (t) => {
  const { client, sim } = await cluster(t);
  const unreachable = (seconds?: number): Toleration => ({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', ...(seconds === undefined ? {} : { tolerationSeconds: seconds }) });
  await runningPod(client, 'brief', node1, [unreachable(1)]);
  await runningPod(client, 'forever', node1, [unreachable()]);
  await runningPod(client, 'default-tolerations', node1);

  sim.stop(node1);
  const taint = await waitFor('unreachable NoExecute taint', async () => (await getNode(client, node1)).spec?.taints?.find((x: Taint) => x.effect === 'NoExecute'), 3000);
  const taintedAt = Date.now();
  const deleted = await waitFor('brief evicted', async () => (await client.get<Pod>(podsRef, 'default', 'brief')).metadata.deletionTimestamp !== undefined, 4000);
  const after = Date.now() - taintedAt;
  assert.ok(deleted && after >= 800 && after <= 2500, `evicted ${after} ms after the taint ${taint.key}`);
  const brief = await client.get<Pod>(podsRef, 'default', 'brief');
  assert.equal(brief.status?.conditions?.find((c) => c.type === 'DisruptionTarget')?.reason, 'DeletionByTaintManager');
  await waitFor('TaintManagerEviction event', async () => {
    const events = await client.list<Pod & { reason?: string; message?: string }>(eventsRef, 'default');
    return events.items.some((e) => e.reason === 'TaintManagerEviction' && e.message === 'Marking for deletion Pod default/brief');
  });
  await new Promise((r) => setTimeout(r, 500));
  for (const name of ['forever', 'default-tolerations']) {
    assert.equal((await client.get<Pod>(podsRef, 'default', name)).metadata.deletionTimestamp, undefined, name);
  }

  // A NoExecute taint nobody tolerates, on a live node: its pods go at once (and really go).
  await runningPod(client, 'victim', node2);
  await retrying(async () => {
    const node = await getNode(client, node2);
    return client.update(nodesRef, { ...node, spec: { ...node.spec, taints: [...(node.spec?.taints ?? []), { key: 'example.com/drain', effect: 'NoExecute' }] } });
  });
  await waitFor('victim gone', async () => {
    try {
      await client.get<Pod>(podsRef, 'default', 'victim');
      return false;
    } catch (error: unknown) {
      return (error as { code?: unknown }).code === 404;
    }
  }, 3000);
});

test('a ReplicaSet replaces its pods on a dead node with pods on the live one', async (t) => {
  const { client, sim } = await cluster(t, { workloads: true });
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{ name: 'c', image: 'nginx' }],
          tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }],
        },
      },
    },
  };
  await client.create(replicaSetsRef, 'default', rs);
  const live = async (): Promise<Pod[]> => (await client.list<Pod>(podsRef, 'default', { labelSelector: 'app=web' })).items.filter((p) => !p.metadata.deletionTimestamp);
  const placed = await waitFor('4 ready pods', async () => {
    const pods = await live();
    return pods.length === 4 && pods.every((p) => readyOf(p)?.status === 'True') ? pods : undefined;
  });
  // Stop node 1 if the scheduler used it, else the node that holds the pods.
  const victim = placed.some((p) => p.spec?.nodeName === node1) ? node1 : node2;
  const survivor = victim === node1 ? node2 : node1;
  const onVictim = placed.filter((p) => p.spec?.nodeName === victim).map((p) => p.metadata.name);
  sim.stop(victim);

  const replaced = await waitFor('pods replaced on the live node', async () => {
    const pods = await live();
    return pods.length === 4 && pods.every((p) => p.spec?.nodeName === survivor && readyOf(p)?.status === 'True') ? pods : undefined;
  }, 10_000);
  assert.equal(replaced.length, 4);
  // The evicted pods stay Terminating: their kubelet is not there to confirm.
  for (const name of onVictim) {
    const old = await client.get<Pod>(podsRef, 'default', name ?? '');
    assert.ok(old.metadata.deletionTimestamp, `${name} terminating`);
  }
});

test('cordon and kubelet-reported NotReady taint the node; undoing them untaints it', async (t) => {
  const { client } = await cluster(t);
  const setUnschedulable = (value: boolean): Promise<unknown> => client.patch(nodesRef, undefined, node2, 'merge', { spec: { unschedulable: value } });
  await setUnschedulable(true);
  await waitFor('unschedulable taint', async () => taintIds(await getNode(client, node2)).join() === 'node.kubernetes.io/unschedulable:NoSchedule', 3000);
  await setUnschedulable(false);
  await waitFor('unschedulable taint gone', async () => taintIds(await getNode(client, node2)).length === 0, 3000);

  const setReady = async (status: string): Promise<void> => {
    await retrying(async () => {
      const node = await getNode(client, node2);
      const conditions = (node.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status, reason: status === 'True' ? 'KubeletReady' : 'KubeletNotReady' } : c));
      return client.update(nodesRef, { ...node, status: { ...node.status, conditions } }, { subresource: 'status' });
    });
  };
  await setReady('False');
  await waitFor('not-ready taints', async () => taintIds(await getNode(client, node2)).join() === 'node.kubernetes.io/not-ready:NoExecute,node.kubernetes.io/not-ready:NoSchedule', 3000);
  await setReady('True');
  await waitFor('not-ready taints gone', async () => taintIds(await getNode(client, node2)).length === 0, 3000);
});
