import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import { EventRecorder } from '../client/events.js';
import { internalIpFor, podCidrFor, PodIpPool } from './addresses.js';
import { errorMessage, statusCode } from './errors.js';
import { renewLease } from '../client/node-lease.js';
import { nodeObject, nodesRef, nodeStatus, type NodeCapacity } from './node-object.js';
import { PodWorker } from './pod-worker.js';
import { Timers } from './timers.js';

export interface SimulatedNodeOptions {
  client: Client;
  name: string;
  /** 1-based number of the node; picks its pod CIDR and InternalIP. */
  index: number;
  capacity: NodeCapacity;
  leaseRenewMs: number;
  statusUpdateMs: number;
  startDelayMs: number;
  restartBackOffMs: number;
  now: () => Date;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

/** Pause before retrying registration or a heartbeat that failed. */
const retryMs = 500;

/**
 * One simulated node: registers its Node, keeps its Lease and Ready heartbeat fresh, and runs
 * a PodWorker per pod bound to it. stop() makes it look dead (no lease renewals, no pod
 * handling) without touching the API, as a crashed kubelet would; start() brings it back.
 */
export class SimulatedNode {
  readonly name: string;
  readonly podCIDR: string;
  readonly internalIP: string;
  private readonly ips: PodIpPool;
  private readonly recorder: EventRecorder;
  private readonly timers = new Timers();
  private readonly workers = new Map<string, PodWorker>(); // namespace/name -> worker
  private running = false;
  private registered: Promise<void> | undefined;
  private nodeUid: string | undefined;

  constructor(private readonly options: SimulatedNodeOptions) {
    this.name = options.name;
    this.podCIDR = podCidrFor(options.index);
    this.internalIP = internalIpFor(options.index);
    this.ips = new PodIpPool(this.podCIDR);
    this.recorder = new EventRecorder(options.client, 'kubelet', options.name, options.now, options.log);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Registers (or reuses) the Node and its Lease, posts a Ready status and starts the
   * heartbeats. Resolves once the node is Ready in the API. Retries until `signal` aborts.
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.running) return this.registered;
    this.running = true;
    const registering = this.register(signal);
    this.registered = registering;
    await registering;
  }

  /** Stops heartbeats and pod handling; pods keep their IPs (a dead node's pods still "exist"). */
  stop(): void {
    this.running = false;
    this.timers.clear();
    for (const worker of this.workers.values()) worker.cancel();
    this.workers.clear();
  }

  /** Hears a pod bound to this node (added or changed). */
  syncPod(pod: KubeObject): void {
    if (!this.running) return;
    const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
    const worker = this.workers.get(key);
    if (worker && worker.uid === pod.metadata.uid) {
      worker.observe(pod);
      return;
    }
    if (worker) this.forget(key, worker);
    const created = new PodWorker(pod, {
      client: this.options.client,
      recorder: this.recorder,
      ips: this.ips,
      hostIP: this.internalIP,
      startDelayMs: this.options.startDelayMs,
      restartBackOffMs: this.options.restartBackOffMs,
      now: this.options.now,
      log: this.options.log,
    });
    this.workers.set(key, created);
    created.begin();
  }

  /** Hears that a pod bound to this node is gone: its IP is free again. */
  removePod(pod: KubeObject): void {
    const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
    const worker = this.workers.get(key);
    if (worker && worker.uid === pod.metadata.uid) this.forget(key, worker);
    this.ips.release(pod.metadata.uid ?? '');
  }

  private forget(key: string, worker: PodWorker): void {
    worker.cancel();
    this.workers.delete(key);
    this.ips.release(worker.uid);
  }

  private async register(signal: AbortSignal): Promise<void> {
    while (this.running && !signal.aborted) {
      try {
        const node = await this.ensureNode();
        this.nodeUid = node.metadata.uid;
        await this.postStatus(node);
        await this.renewLease();
        break;
      } catch (error: unknown) {
        if (signal.aborted) return;
        this.options.log('simulated node registration failed; retrying', { node: this.name, error: errorMessage(error) });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryMs);
          timer.unref();
        });
      }
    }
    if (!this.running || signal.aborted) return;
    const onError = (what: string) => (error: unknown): void => this.options.log(`simulated node ${what} failed`, { node: this.name, error: errorMessage(error) });
    this.timers.every(this.options.leaseRenewMs, () => this.renewLease(), onError('lease renewal'));
    this.timers.every(this.options.statusUpdateMs, () => this.heartbeat(), onError('status heartbeat'));
    this.options.log('simulated node ready', { node: this.name, podCIDR: this.podCIDR });
  }

  /** Creates the Node, or reuses the one a previous run registered. */
  private async ensureNode(): Promise<KubeObject> {
    try {
      const created = await this.options.client.create(nodesRef, undefined, nodeObject(this.name, this.options.index), { fieldManager: 'kubelet' });
      void this.recorder.record(this.nodeRef(created), 'Normal', 'Starting', 'Starting kubelet.');
      return created;
    } catch (error: unknown) {
      if (statusCode(error) !== 409) throw error;
      return this.options.client.get(nodesRef, undefined, this.name);
    }
  }

  /** Posts the full healthy status through nodes/status, keeping unchanged transition times. */
  private async postStatus(node: KubeObject): Promise<void> {
    const previous = (node.status ?? {}) as Record<string, unknown>;
    const previousConditions = Array.isArray(previous.conditions) ? (previous.conditions as unknown[]) : [];
    const wasReady = previousConditions.some((c) => typeof c === 'object' && c !== null && (c as Record<string, unknown>).type === 'Ready' && (c as Record<string, unknown>).status === 'True');
    const status = nodeStatus(this.name, this.options.index, this.options.capacity, this.options.now(), previousConditions);
    const updated = await this.options.client.patch(nodesRef, undefined, this.name, 'merge', { status }, { subresource: 'status', fieldManager: 'kubelet' });
    if (!wasReady) void this.recorder.record(this.nodeRef(updated), 'Normal', 'NodeReady', `Node ${this.name} status is now: NodeReady`);
  }

  /** Refreshes Ready's lastHeartbeatTime (re-reading the node: the node controller may have marked it Unknown). */
  private async heartbeat(): Promise<void> {
    if (!this.running) return;
    const node = await this.options.client.get(nodesRef, undefined, this.name);
    if (!this.running) return;
    await this.postStatus(node);
  }

  private async renewLease(): Promise<void> {
    if (!this.running) return;
    await renewLease(this.options.client, this.name, this.nodeUid, this.options.now());
  }

  /** kubelet's events about its node name the node by name as its uid, as kubelet does. */
  private nodeRef(node: KubeObject): { apiVersion: string; kind: string; metadata: { name: string; uid: string } } {
    return { apiVersion: 'v1', kind: 'Node', metadata: { name: node.metadata.name ?? this.name, uid: this.name } };
  }
}
