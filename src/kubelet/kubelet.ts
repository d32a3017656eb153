import type { MachineSample } from './machine.js';
import { existsSync } from 'node:fs';
import type { KubeObject } from '../api/types.js';
import { parseQuantity } from '../api/validation/quantity.js';
import { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import type { Client } from '../client/types.js';
import { BackOff } from './backoff.js';
import type { KubeletContext, Log } from './context.js';
import type { ContainerRuntime } from './cri/types.js';
import { removeOrphanedPodDirectories } from './pod-teardown.js';
import { podUidLabel } from './labels.js';
import { renewLease } from '../client/node-lease.js';
import { defaultNodeIP, nodeObject, nodesRef, nodeStatus, type NodeCapacity, type NodeFacts } from './node-status.js';
import { objectReader, type CachedReader } from './objects.js';
import { podKey } from './pod-spec.js';
import { PodWorker, podsRef } from './pod-worker.js';
import { ProbeManager } from './probes.js';
import { ServiceAccountTokenManager } from './service-account-token.js';
import { errorMessage, sleep, statusCode } from './util.js';

export interface KubeletOptions {
  client: Client;
  runtime: ContainerRuntime;
  nodeName: string;
  podCIDR: string;
  /** Pod directories (volumes) and container logs live under it. */
  dataDir: string;
  capacity: NodeCapacity;
  /** Reads memory, disk and identity from the machine for the Node's status (absent: capacity as given). */
  machine?: () => MachineSample;
  /** The node's InternalIP and pods' hostIP (default: the host's first non-loopback IPv4). */
  nodeIP?: string;
  clusterDns?: string;
  clusterDomain?: string;
  resolvConf?: string;
  /** The cgroup pods' sandboxes go under (default: the runtime's, /k8s.io for containerd). */
  cgroupParent?: string;
  log?: Log;
  /** How often every pod is re-synced against the runtime (kubelet's PLEG relist, 1 s). */
  syncIntervalMs?: number;
  leaseRenewMs?: number;
  nodeStatusUpdateMs?: number;
  /**
   * Give containers with a memory limit the same memory+swap limit, so they cannot swap
   * (default: when the host has cgroup v1's memsw files).
   */
  swapLimit?: boolean;
  /** First crash-loop / image-pull back-off and its cap (kubelet: 10 s doubling to 5 min). */
  backOffInitialMs?: number;
  backOffMaxMs?: number;
  now?: () => Date;
}

/**
 * The node agent: registers its Node, keeps its Lease and Ready status fresh, and runs the
 * pods bound to it on a CRI runtime, one PodWorker per pod. The runtime is the record of
 * what runs (sandboxes and containers carry the pod's labels), so a restarted kubelet picks
 * up where it left off; sandboxes of pods that no longer exist are removed.
 */
export class Kubelet {
  private readonly ctx: KubeletContext;
  private readonly workers = new Map<string, PodWorker>();
  private readonly probes: ProbeManager;
  private readonly recorder: EventRecorder;
  private readonly eventChains = new Map<string, Promise<void>>();
  private readonly pods: Informer;
  private nodeUid: string | undefined;
  private readonly reader: CachedReader;

  constructor(private readonly options: KubeletOptions) {
    this.reader = objectReader(options.client);
    const log = options.log ?? (() => undefined);
    const now = options.now ?? (() => new Date());
    this.recorder = new EventRecorder(options.client, 'kubelet', options.nodeName, now, log);
    const backOffTimes = { initialMs: options.backOffInitialMs ?? 10_000, maxMs: options.backOffMaxMs ?? 300_000, now: () => now().getTime() };
    this.ctx = {
      client: options.client,
      runtime: options.runtime,
      nodeName: options.nodeName,
      hostIP: options.nodeIP ?? defaultNodeIP(),
      allocatable: { cpu: options.capacity.cpu, memory: options.capacity.memory },
      memoryCapacity: parseQuantity(options.capacity.memory) ?? 0,
      swapLimit: options.swapLimit ?? existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'),
      dataDir: options.dataDir,
      dns: { clusterDns: options.clusterDns ?? '10.43.0.10', clusterDomain: options.clusterDomain ?? 'cluster.local', resolvConf: options.resolvConf ?? '/etc/resolv.conf' },
      cgroupParent: options.cgroupParent,
      runtimeName: 'containerd',
      read: this.reader.read,
      tokens: new ServiceAccountTokenManager({ client: options.client, now, log }),
      // kubelet's HasExpiredFunc: a container that ran 10 minutes starts over at the initial delay.
      restartBackOff: new BackOff({ ...backOffTimes, resetAfterMs: 600_000 }),
      pullBackOff: new BackOff(backOffTimes),
      event: (pod, type, reason, message) => this.event(pod, type, reason, message),
      log,
      now,
    };
    this.probes = new ProbeManager(this.ctx.event, options.runtime);
    this.pods = new Informer(options.client, podsRef, undefined, { fieldSelector: `spec.nodeName=${options.nodeName}`, log });
    this.pods.on({
      add: (pod) => this.route(pod),
      update: (_old, pod) => this.route(pod),
      delete: (pod) => void this.forget(pod),
    });
  }

  /** Runs until the signal aborts; then stops syncing (containers keep running, as with a real kubelet). */
  async run(signal: AbortSignal): Promise<void> {
    await this.register(signal);
    if (signal.aborted) return;
    const informer = this.pods.run(signal);
    const loops = [
      this.every(signal, this.options.leaseRenewMs ?? 10_000, () => renewLease(this.options.client, this.options.nodeName, this.nodeUid, this.ctx.now()), 'lease renewal'),
      this.every(signal, this.options.nodeStatusUpdateMs ?? 60_000, () => this.postStatus(), 'node status'),
      this.every(signal, this.options.syncIntervalMs ?? 1000, () => this.housekeeping(), 'pod housekeeping'),
    ];
    await Promise.all([informer, ...loops]);
    this.reader.stop();
    this.probes.stopAll();
    await Promise.all([...this.workers.values()].map((w) => w.cancel()));
    this.workers.clear();
  }

  private facts(version: string): NodeFacts {
    return { name: this.options.nodeName, podCIDR: this.options.podCIDR, nodeIP: this.ctx.hostIP, capacity: this.options.capacity, containerRuntimeVersion: version };
  }

  private runtimeVersion = '';

  /** Creates (or reuses) the Node, posts a Ready status and the Lease; retries until it works. */
  private async register(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const version = await this.options.runtime.version();
        this.ctx.runtimeName = version.runtimeName;
        this.runtimeVersion = `${version.runtimeName}://${version.runtimeVersion}`;
        let node: KubeObject;
        try {
          node = await this.options.client.create(nodesRef, undefined, nodeObject(this.facts(this.runtimeVersion)), { fieldManager: 'kubelet' });
          this.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: this.options.nodeName, uid: this.options.nodeName } }, 'Normal', 'Starting', 'Starting kubelet.');
        } catch (error: unknown) {
          if (statusCode(error) !== 409) throw error;
          node = await this.options.client.get(nodesRef, undefined, this.options.nodeName);
        }
        this.nodeUid = node.metadata.uid;
        await this.postStatus(node);
        await renewLease(this.options.client, this.options.nodeName, this.nodeUid, this.ctx.now());
        this.ctx.log('kubelet registered node', { node: this.options.nodeName, runtime: this.runtimeVersion });
        return;
      } catch (error: unknown) {
        if (signal.aborted) return;
        this.ctx.log('node registration failed; retrying', { node: this.options.nodeName, error: errorMessage(error) });
        await sleep(500, signal);
      }
    }
  }

  private async postStatus(node?: KubeObject): Promise<void> {
    const current = node ?? (await this.options.client.get(nodesRef, undefined, this.options.nodeName));
    const previous = ((current.status ?? {}) as { conditions?: unknown[] }).conditions ?? [];
    const wasReady = previous.some((c) => (c as { type?: string; status?: string }).type === 'Ready' && (c as { status?: string }).status === 'True');
    const status = nodeStatus(this.facts(this.runtimeVersion), this.ctx.now(), previous, this.options.machine?.());
    await this.options.client.patch(nodesRef, undefined, this.options.nodeName, 'merge', { status }, { subresource: 'status', fieldManager: 'kubelet' });
    if (!wasReady) this.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: this.options.nodeName, uid: this.options.nodeName } }, 'Normal', 'NodeReady', `Node ${this.options.nodeName} status is now: NodeReady`);
  }

  /** Runs fn every ms until the signal aborts; a failure is logged and the loop goes on. */
  private async every(signal: AbortSignal, ms: number, fn: () => Promise<void>, what: string): Promise<void> {
    while (!signal.aborted) {
      await sleep(ms, signal);
      if (signal.aborted) return;
      try {
        await fn();
      } catch (error: unknown) {
        this.ctx.log(`${what} failed`, { node: this.options.nodeName, error: errorMessage(error) });
      }
    }
  }

  private route(pod: KubeObject): void {
    const key = podKey(pod);
    const worker = this.workers.get(key);
    if (worker && worker.uid === pod.metadata.uid) return worker.observe(pod);
    if (worker) void worker.cancel();
    const created = new PodWorker(pod, this.ctx, this.probes);
    this.workers.set(key, created);
    created.trigger();
  }

  private async forget(pod: KubeObject): Promise<void> {
    const key = podKey(pod);
    const worker = this.workers.get(key);
    if (!worker || worker.uid !== pod.metadata.uid) return;
    this.ctx.tokens.deleteServiceAccountToken(worker.uid);
    this.workers.delete(key);
    await worker.cancel();
  }

  /** Every sync interval: re-sync each pod against the runtime, and remove sandboxes of pods that are gone. */
  private async housekeeping(): Promise<void> {
    for (const worker of this.workers.values()) worker.trigger();
    if (!this.pods.hasSynced()) return;
    const known = new Set([...this.workers.values()].map((w) => w.uid));
    const keep = new Set(known);
    for (const sandbox of await this.options.runtime.listPodSandbox()) {
      const uid = sandbox.labels[podUidLabel];
      if (!uid || known.has(uid)) continue;
      this.ctx.log('removing orphaned pod sandbox', { sandbox: sandbox.id, pod: `${sandbox.metadata.namespace}/${sandbox.metadata.name}` });
      for (const c of await this.options.runtime.listContainers({ podSandboxId: sandbox.id })) {
        if (c.state === 'CONTAINER_RUNNING') await this.options.runtime.stopContainer(c.id, 0).catch(() => undefined);
      }
      await this.options.runtime.stopPodSandbox(sandbox.id).catch(() => undefined);
      await this.options.runtime.removePodSandbox(sandbox.id).catch(() => keep.add(uid));
    }
    for (const name of await removeOrphanedPodDirectories(this.ctx, keep)) this.ctx.log('removed orphaned pod directory', { dir: name });
  }

  /** Events about one object are recorded in order (Pulled before Created before Started). */
  private event(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const about = { apiVersion: object.apiVersion ?? 'v1', kind: object.kind ?? 'Pod', metadata: object.metadata };
    const key = object.metadata.uid ?? '';
    const chain = (this.eventChains.get(key) ?? Promise.resolve()).then(() => this.recorder.record(about, type, reason, message));
    this.eventChains.set(key, chain);
    void chain.finally(() => {
      if (this.eventChains.get(key) === chain) this.eventChains.delete(key);
    });
  }
}
