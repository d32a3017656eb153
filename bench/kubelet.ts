// Node agent benchmark (root and containerd needed): pod create → Running over 50 pods through
// the API, the scheduler-free binding and the kubelet on real containerd, beside the raw CRI
// sequence (RunPodSandbox + CreateContainer + StartContainer) as the reference; and RSS.
// Uses its own bridge, pod range and cgroup parent, and restores the host afterwards.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApi, waitFor } from '../src/client/testing.js';
import { writeCniConfig } from '../src/kubelet/containerd/cni.js';
import { containerdPaths } from '../src/kubelet/containerd/config.js';
import { captureHostState, pidsMentioning, restoreHostState, unmountUnder } from '../src/kubelet/containerd/host-state.js';
import { ContainerdSupervisor } from '../src/kubelet/containerd/supervisor.js';
import { CriClient } from '../src/kubelet/cri/client.js';
import type { PodSandboxConfig } from '../src/kubelet/cri/types.js';
import { busyboxFiles } from '../src/kubelet/images/busybox.js';
import { importImage } from '../src/kubelet/images/import.js';
import { buildImage } from '../src/kubelet/images/oci.js';
import { importPauseImage } from '../src/kubelet/images/pause.js';
import { Kubelet } from '../src/kubelet/index.js';
import { percentile } from './measure.js';

const bridge = 'litekube-bench0';
const podCIDR = '10.42.252.0/24';
const image = 'litekube.local/busybox:bench';
const pods = 50;
const podsRef = { apiVersion: 'v1', plural: 'pods' };

const rssMb = (): number => Math.round(process.memoryUsage().rss / 1024 / 1024);

export async function run(): Promise<Record<string, unknown>> {
  if (process.getuid?.() !== 0) return { skipped: 'needs root and containerd' };
  const host = captureHostState();
  const dir = await mkdtemp('/tmp/litekube-bench-');
  const cgroupParent = `/litekube-bench-${process.pid}`;
  const paths = containerdPaths(join(dir, 'containerd'));
  let supervisor: ContainerdSupervisor | undefined;
  let cri: CriClient | undefined;
  try {
    await writeCniConfig(paths.cniConfDir, { podCIDR, bridge, network: 'litekube-bench', ipamDataDir: join(dir, 'ipam') });
    supervisor = await ContainerdSupervisor.start({ dir: join(dir, 'containerd') });
    await importPauseImage({ socket: paths.socket });
    await importImage(buildImage({ reference: image, cmd: ['sh'], files: busyboxFiles(['sh', 'sleep']) }).archive, { socket: paths.socket });
    cri = new CriClient({ socket: paths.socket, timeoutMs: 60_000 });
    const runtime = cri;

    // The reference: the raw CRI calls a kubelet makes for a one-container pod.
    const raw: number[] = [];
    for (let i = 0; i < pods; i++) {
      const config: PodSandboxConfig = {
        metadata: { name: `raw-${i}`, uid: randomUUID(), namespace: 'bench', attempt: 0 },
        hostname: `raw-${i}`, logDirectory: join(dir, 'raw', String(i)), labels: { bench: 'raw' }, linux: { cgroupParent },
      };
      const start = performance.now();
      const sandbox = await runtime.runPodSandbox(config);
      const container = await runtime.createContainer(sandbox, { metadata: { name: 'c', attempt: 0 }, image: { image }, command: ['sleep', '3600'], logPath: 'c/0.log' }, config);
      await runtime.startContainer(container);
      raw.push(performance.now() - start);
    }
    for (const sandbox of await runtime.listPodSandbox({ labelSelector: { bench: 'raw' } })) {
      await runtime.stopPodSandbox(sandbox.id);
      await runtime.removePodSandbox(sandbox.id);
    }

    // Through the API and the kubelet: pods bound to the node at creation, timed to Running.
    const api = await startTestApi();
    const abort = new AbortController();
    const kubelet = new Kubelet({
      client: api.clientAs('system:node:bench'), runtime, nodeName: 'bench-node', podCIDR, dataDir: join(dir, 'kubelet'),
      capacity: { cpu: '8', memory: '16Gi', pods: '110' }, cgroupParent, syncIntervalMs: 1000,
    });
    const running = kubelet.run(abort.signal);
    await waitFor('node registered', async () => (await api.client.get({ apiVersion: 'v1', plural: 'nodes' }, undefined, 'bench-node').catch(() => undefined)) ?? false, 20_000);
    const idleRss = rssMb();
    const created = new Map<string, number>();
    const latencies: number[] = [];
    const watch = new AbortController();
    const watching = (async () => {
      for await (const event of api.client.watch(podsRef, 'bench', {}, watch.signal)) {
        const name = event.object.metadata.name ?? '';
        const phase = (event.object.status as { phase?: string } | undefined)?.phase;
        const t = created.get(name);
        if (phase === 'Running' && t !== undefined) {
          latencies.push(performance.now() - t);
          created.delete(name);
        }
      }
    })().catch(() => undefined);
    await api.client.create({ apiVersion: 'v1', plural: 'namespaces' }, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    for (let i = 0; i < pods; i++) {
      const name = `pod-${i}`;
      created.set(name, performance.now());
      await api.client.create(podsRef, 'bench', {
        apiVersion: 'v1', kind: 'Pod', metadata: { name },
        spec: { nodeName: 'bench-node', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image, imagePullPolicy: 'Never', command: ['sleep', '3600'] }] },
      });
      // One at a time, as the raw reference: the figure is per-pod latency, not throughput.
      await waitFor(`${name} running`, () => !created.has(name), 60_000);
    }
    const busyRss = rssMb();
    for (let i = 0; i < pods; i++) await api.client.delete(podsRef, 'bench', `pod-${i}`, { gracePeriodSeconds: 0 });
    await waitFor('pods gone', async () => (await api.client.list(podsRef, 'bench')).items.length === 0, 120_000);
    watch.abort();
    await watching;
    abort.abort();
    await running;
    await api.stop();
    return {
      pods,
      rawCriMsP50: percentile(raw, 50),
      rawCriMsP99: percentile(raw, 99),
      createToRunningMsP50: percentile(latencies, 50),
      createToRunningMsP99: percentile(latencies, 99),
      ratioP50: Math.round((percentile(latencies, 50) / percentile(raw, 50)) * 100) / 100,
      processRssMbIdle: idleRss,
      processRssMbWith50Pods: busyRss,
    };
  } finally {
    if (cri) {
      for (const s of await cri.listPodSandbox().catch(() => [])) {
        await cri.stopPodSandbox(s.id).catch(() => undefined);
        await cri.removePodSandbox(s.id).catch(() => undefined);
      }
      cri.close();
    }
    await supervisor?.stop();
    for (const pid of pidsMentioning(dir)) process.kill(pid, 'SIGKILL');
    await sleep(100);
    unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
    restoreHostState(host, [bridge]);
  }
}
