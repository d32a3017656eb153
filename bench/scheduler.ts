// Scheduler benchmark: 1,000 nodes and 10,000 pods through an in-process control plane (the
// in-memory store of startTestApi); pods are created by 64 concurrent writers while the
// scheduler runs. Reports pods bound per second and scheduling latency (pod created → bound).
import { setMaxListeners } from 'node:events';
import { startTestApi } from '../src/client/testing.js';
import { DeploymentController } from '../src/controllers/deployment.js';
import { ReplicaSetController } from '../src/controllers/replicaset.js';
import { Scheduler } from '../src/scheduler/index.js';
import { SimulatedNodes } from '../src/simulated/index.js';
import { percentile } from './measure.js';

const nodesRef = { apiVersion: 'v1', plural: 'nodes' };
const podsRef = { apiVersion: 'v1', plural: 'pods' };
const deploymentsRef = { apiVersion: 'apps/v1', plural: 'deployments' };

async function inParallel(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await work(next++);
  }));
}

export async function run(): Promise<Record<string, unknown>> {
  const placement = await placementRun();
  return { ...placement, deployment1000: await deploymentRun() };
}

/**
 * Time until a Deployment of 1,000 replicas is fully available on simulated nodes (100 nodes
 * of 110 pods), with the scheduler and the ReplicaSet and Deployment controllers running.
 */
async function deploymentRun(): Promise<Record<string, unknown>> {
  const api = await startTestApi();
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const controllers = api.clientAs('system:kube-controller-manager');
  try {
    const running = [
      new Scheduler({ client: api.clientAs('system:kube-scheduler') }).run(abort.signal),
      new ReplicaSetController({ client: controllers }).run(abort.signal),
      new DeploymentController({ client: controllers }).run(abort.signal),
    ];
    const nodes = new SimulatedNodes({ client: api.clientAs('system:node:bench'), count: 100, startDelayMs: 200 });
    await nodes.start(abort.signal);
    const replicas = 1000;
    const start = performance.now();
    await api.client.create(deploymentsRef, 'default', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'big' },
      spec: { replicas, selector: { matchLabels: { app: 'big' } }, template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
    });
    let available = 0;
    const deadline = Date.now() + 300_000;
    while (available < replicas && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      const deployment = await api.client.get(deploymentsRef, 'default', 'big');
      available = Number((deployment.status as { availableReplicas?: number } | undefined)?.availableReplicas ?? 0);
    }
    const ms = Math.round(performance.now() - start);
    abort.abort();
    nodes.stopAll();
    await Promise.allSettled(running);
    return { replicas, available, msUntilAvailable: ms, rssMb: Math.round(process.memoryUsage().rss / 1024 / 1024) };
  } finally {
    abort.abort();
    await api.stop();
  }
}

async function placementRun(): Promise<Record<string, unknown>> {
  const nodeCount = Number(process.env.BENCH_SCHEDULER_NODES ?? 1000);
  const podCount = Number(process.env.BENCH_SCHEDULER_PODS ?? 10_000);
  const api = await startTestApi();
  const abort = new AbortController();
  try {
    const zones = ['a', 'b', 'c'];
    await inParallel(nodeCount, 32, async (i) => {
      const name = `node-${i}`;
      await api.client.create(nodesRef, undefined, {
        apiVersion: 'v1', kind: 'Node',
        metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zones[i % 3]! } },
        spec: {},
      });
      const resources = { cpu: '32', memory: '128Gi', pods: '110' };
      await api.client.patch(nodesRef, undefined, name, 'merge', { status: { capacity: resources, allocatable: resources } }, { subresource: 'status' });
    });

    const created = new Map<string, number>();
    const latencies: number[] = [];
    const queueLatencies: number[] = [];
    let lastBound = 0;
    const scheduler = new Scheduler({
      client: api.clientAs('system:kube-scheduler'),
      onBound: (pod, _node, queuedMs) => {
        const now = performance.now();
        lastBound = now;
        queueLatencies.push(queuedMs);
        const t = created.get(pod.metadata.name ?? '');
        if (t !== undefined) latencies.push(now - t);
      },
    });
    const running = scheduler.run(abort.signal);
    for (let i = 0; i < 1000 && scheduler.cache.nodeCount() < nodeCount; i++) await new Promise((r) => setTimeout(r, 20));

    const start = performance.now();
    await inParallel(podCount, 64, async (i) => {
      const name = `pod-${i}`;
      created.set(name, performance.now());
      await api.client.create(podsRef, 'default', {
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name, namespace: 'default', labels: { app: `app-${i % 50}` } },
        spec: { containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
      });
    });
    const createdAt = performance.now();
    const deadline = Date.now() + 600_000;
    while (scheduler.stats.scheduled < podCount && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const seconds = ((lastBound || performance.now()) - start) / 1000;
    abort.abort();
    await running;
    return {
      nodes: nodeCount,
      pods: podCount,
      scheduled: scheduler.stats.scheduled,
      attempts: scheduler.stats.attempts,
      podsPerSecond: Math.round(scheduler.stats.scheduled / seconds),
      createPodsPerSecond: Math.round(podCount / ((createdAt - start) / 1000)),
      latencyMsP50: percentile(latencies, 50),
      latencyMsP99: percentile(latencies, 99),
      queueToBoundMsP99: percentile(queueLatencies, 99),
      rssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
    };
  } finally {
    abort.abort();
    await api.stop();
  }
}
