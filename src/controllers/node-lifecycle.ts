/**
 * The node lifecycle controller (kube-controller-manager's nodelifecycle controller): marks
 * nodes whose kubelet went silent Unknown, taints nodes by condition (unreachable /
 * not-ready NoExecute + NoSchedule, pressure and cordon NoSchedule), marks pods on nodes
 * that stopped being Ready not-ready, and evicts pods from NoExecute-tainted nodes through
 * the TaintEvictor.
 */
import { EventRecorder, Informer, type Client, type ResourceRef } from '../client/index.js';
import { WorkQueue } from './queue.js';
import { errorMessage, isConflict, isNotFound, keyOf, splitKey, type Log } from './owners.js';
import { podsRef, type Pod } from './replicaset.js';
import { conditionOf, desiredManagedTaints, reconcileTaints, type Node, type Taint } from './node-lifecycle-taints.js';
import { kubeTime, lastHeardMs, unknownConditions, type Lease } from './node-lifecycle-health.js';
import { TaintEvictor } from './node-lifecycle-eviction.js';

export const nodesRef: ResourceRef = { apiVersion: 'v1', plural: 'nodes' };
export const leasesRef: ResourceRef = { apiVersion: 'coordination.k8s.io/v1', plural: 'leases' };
export const nodeLeaseNamespace = 'kube-node-lease';

export interface NodeLifecycleControllerOptions {
  client: Client;
  log?: Log;
  /** How long kubelet may stay silent before its node is marked Unknown (kube: 40 s). */
  nodeMonitorGracePeriodMs?: number;
  /** How often every node's health is checked (kube's --node-monitor-period: 5 s). */
  monitorIntervalMs?: number;
  now?: () => Date;
}

/** The NoExecute taints of a node, as one comparable string. */
const noExecuteSignature = (node: Node | undefined): string =>
  (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute').map((t) => `${t.key}=${t.value ?? ''}@${t.timeAdded ?? ''}`).sort().join(',');

export class NodeLifecycleController {
  private readonly client: Client;
  private readonly log: Log;
  private readonly graceMs: number;
  private readonly intervalMs: number;
  private readonly now: () => Date;
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly pods: Informer<Pod>;
  private readonly queue = new WorkQueue();
  private readonly recorder: EventRecorder;
  private readonly evictor: TaintEvictor;
  /**
   * Exact times of the NoExecute taints this controller added (timeAdded has whole seconds
   * only): node\0key → [timeAdded as written, ms]. Lets a 1 s toleration mean 1 s.
   */
  private readonly taintAddedMs = new Map<string, [string, number]>();
  /**
   * When this controller last saw a node's Lease renewal or Ready heartbeat change, by its
   * own clock (kube's probeTimestamp). Heartbeats carry whole seconds only and caches lag,
   * so going by the written times alone could mark a node Unknown just as it came back.
   */
  private readonly heardAt = new Map<string, number>();
  /** Nodes whose pods were marked not-ready in their current not-Ready spell. */
  private readonly podsMarked = new Set<string>();

  constructor(options: NodeLifecycleControllerOptions) {
    this.client = options.client;
    this.log = options.log ?? (() => undefined);
    this.graceMs = options.nodeMonitorGracePeriodMs ?? 40_000;
    this.intervalMs = options.monitorIntervalMs ?? 5_000;
    this.now = options.now ?? (() => new Date());
    this.recorder = new EventRecorder(this.client, 'node-controller', '', this.now, this.log);
    this.nodes = new Informer<Node>(this.client, nodesRef, undefined, { log: this.log });
    this.leases = new Informer<Lease>(this.client, leasesRef, nodeLeaseNamespace, { log: this.log });
    this.pods = new Informer<Pod>(this.client, podsRef, undefined, { log: this.log });
    this.evictor = new TaintEvictor({
      client: this.client,
      nodes: this.nodes,
      pods: this.pods,
      recorder: this.recorder,
      log: this.log,
      now: this.now,
      taintStartMs: (nodeName, taint) => this.taintStartMs(nodeName, taint),
    });
    this.nodes.on({
      add: (node) => this.queue.add(node.metadata.name ?? ''),
      update: (old, node) => this.nodeUpdated(old, node),
      delete: (node) => this.forgetNode(node.metadata.name ?? ''),
    });
    this.leases.on({
      update: (old, lease) => {
        if (old.spec?.renewTime !== lease.spec?.renewTime) this.heardAt.set(lease.metadata.name ?? '', this.now().getTime());
      },
    });
  }

  /** Runs until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.nodes.run(signal), this.leases.run(signal), this.pods.run(signal)];
    const aborted = new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    await Promise.race([Promise.all([this.nodes.synced(), this.leases.synced(), this.pods.synced()]), aborted]);
    if (signal.aborted) {
      await Promise.all(informers);
      return;
    }
    // kube's monitorNodeHealth loop: silence is noticed by the clock, not by any event.
    const monitor = setInterval(() => {
      for (const node of this.nodes.list()) this.queue.add(node.metadata.name ?? '');
    }, this.intervalMs);
    try {
      await Promise.all([this.queue.run(2, (name) => this.syncNode(name), signal, this.log), this.evictor.run(signal), ...informers]);
    } finally {
      clearInterval(monitor);
    }
  }

  private nodeUpdated(old: Node, node: Node): void {
    const name = node.metadata.name ?? '';
    this.queue.add(name);
    const was = conditionOf(old, 'Ready')?.status;
    const is = conditionOf(node, 'Ready')?.status;
    // A new heartbeat, or Ready turning True/False (only kubelet says those; this controller
    // only writes Unknown), is a sign of life even when the whole-second heartbeat is unchanged.
    const heartbeat = conditionOf(old, 'Ready')?.lastHeartbeatTime !== conditionOf(node, 'Ready')?.lastHeartbeatTime;
    if (heartbeat || (was !== is && is !== 'Unknown' && is !== undefined)) this.heardAt.set(name, this.now().getTime());
    // kube's RecordNodeStatusChange: once per fall from Ready, whoever reported it.
    if (was === 'True' && is !== 'True') {
      void this.recorder.record({ apiVersion: 'v1', kind: 'Node', metadata: { name, uid: name } }, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    }
    if (noExecuteSignature(old) !== noExecuteSignature(node)) this.evictor.nodeChanged(name);
  }

  private forgetNode(name: string): void {
    this.podsMarked.delete(name);
    this.heardAt.delete(name);
    for (const key of [...this.taintAddedMs.keys()]) if (key.startsWith(`${name}\u0000`)) this.taintAddedMs.delete(key);
  }

  private taintStartMs(nodeName: string, taint: Taint): number {
    const exact = this.taintAddedMs.get(`${nodeName}\u0000${taint.key}`);
    if (exact && exact[0] === taint.timeAdded) return exact[1];
    const parsed = taint.timeAdded ? Date.parse(taint.timeAdded) : NaN;
    // A taint without timeAdded (added by hand): its clock starts when first seen here.
    if (Number.isNaN(parsed)) {
      const seen = this.now().getTime();
      this.taintAddedMs.set(`${nodeName}\u0000${taint.key}`, [taint.timeAdded ?? '', seen]);
      return seen;
    }
    return parsed;
  }

  private async syncNode(name: string): Promise<void> {
    let node = this.nodes.get(undefined, name);
    if (!node) return;
    node = await this.checkHealth(node);
    await this.reconcileTaints(node);
    await this.markPods(node);
  }

  /** kube's tryUpdateNodeHealth: silent past the grace period → monitored conditions Unknown. */
  private async checkHealth(node: Node): Promise<Node> {
    const name = node.metadata.name ?? '';
    const lease = this.leases.get(nodeLeaseNamespace, name);
    const now = this.now();
    const heard = Math.max(lastHeardMs(node, lease), this.heardAt.get(name) ?? 0);
    if (now.getTime() - heard <= this.graceMs) return node;
    const conditions = unknownConditions(node, kubeTime(now));
    if (!conditions) return node;
    this.log('node stopped posting status; marking it Unknown', { node: name });
    // An update (not a merge patch) so a status kubelet posted meanwhile is not overwritten.
    return this.client.update<Node>(nodesRef, { ...node, status: { ...node.status, conditions } }, { subresource: 'status', fieldManager: 'node-controller' });
  }

  /** kube's doNoScheduleTaintingPass and doNoExecuteTaintingPass, in one update. */
  private async reconcileTaints(node: Node): Promise<void> {
    const name = node.metadata.name ?? '';
    const now = this.now();
    const stamp = kubeTime(now);
    const taints = reconcileTaints(node, desiredManagedTaints(node), stamp);
    if (!taints) return;
    for (const taint of taints) {
      const known = (node.spec?.taints ?? []).some((t) => t.key === taint.key && t.effect === taint.effect);
      if (!known && taint.effect === 'NoExecute') this.taintAddedMs.set(`${name}\u0000${taint.key}`, [stamp, now.getTime()]);
    }
    this.log('updating node taints', { node: name, taints: taints.map((t) => `${t.key}:${t.effect}`) });
    await this.client.update<Node>(nodesRef, { ...node, spec: { ...node.spec, taints } }, { fieldManager: 'node-controller' });
  }

  /** kube's MarkPodsNotReady: once per not-Ready spell, pods on the node lose Ready. */
  private async markPods(node: Node): Promise<void> {
    const name = node.metadata.name ?? '';
    const ready = conditionOf(node, 'Ready')?.status;
    if (ready === undefined || ready === 'True') {
      this.podsMarked.delete(name);
      return;
    }
    if (this.podsMarked.has(name)) return;
    let failed: unknown;
    for (const key of this.evictor.podsOn(name)) {
      const { namespace, name: podName } = splitKey(key);
      const pod = this.pods.get(namespace, podName);
      if (!pod || pod.spec?.nodeName !== name) continue;
      try {
        await this.markPodNotReady(pod);
      } catch (error: unknown) {
        if (isNotFound(error)) continue;
        failed = error;
        if (!isConflict(error)) this.log('could not mark pod not ready', { pod: keyOf(pod), error: errorMessage(error) });
      }
    }
    // Any failure retries the whole node (already-marked pods are skipped then).
    if (failed !== undefined) throw failed;
    this.podsMarked.add(name);
  }

  private async markPodNotReady(pod: Pod): Promise<void> {
    const conditions = pod.status?.conditions ?? [];
    const ready = conditions.find((c) => c.type === 'Ready');
    // kube only flips an existing Ready condition; a pod that never reported one is left be.
    if (!ready || ready.status === 'False') return;
    const next = conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: kubeTime(this.now()) } : c));
    await this.client.update<Pod>(podsRef, { ...pod, status: { ...pod.status, conditions: next } }, { subresource: 'status', fieldManager: 'node-controller' });
    void this.recorder.record({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }, 'Warning', 'NodeNotReady', 'Node is not ready');
  }
}
