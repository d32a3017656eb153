import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import { Informer } from '../client/informer.js';
import { defaultCapacity } from './node-object.js';
import { SimulatedNode } from './node.js';
import { podsRef } from './pod-worker.js';

export interface SimulatedNodesOptions {
  client: Client;
  /** How many nodes: named `${namePrefix}1` … `${namePrefix}${count}`. */
  count: number;
  namePrefix?: string;
  /** Defaults: 4 CPUs, 8Gi memory, 110 pods. */
  capacity?: { cpu?: string; memory?: string; pods?: string };
  /** Lease renewal period (kubelet: 10 s). */
  leaseRenewMs?: number;
  /** Period of the Ready heartbeat in node status (kubelet reports at least every 5 min; we use 1 min). */
  statusUpdateMs?: number;
  /** ContainerCreating → Running delay. */
  startDelayMs?: number;
  /** First restart back-off of failing OnFailure pods (doubles per restart, up to 16×). */
  restartBackOffMs?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  now?: () => Date;
}

/**
 * Simulated nodes for `litekube server --simulated-nodes N`: Nodes that register, heartbeat
 * and run pods as kubelets would, but run nothing. Lets the scheduler, controllers and
 * kubectl be exercised at any scale on one machine. One pod informer feeds all nodes.
 */
export class SimulatedNodes {
  private readonly nodes = new Map<string, SimulatedNode>();
  private readonly pods: Informer;
  private signal: AbortSignal | undefined;
  private running: Promise<void> | undefined;
  private readyPromise: Promise<void>;
  private resolveReady: () => void = () => undefined;

  constructor(options: SimulatedNodesOptions) {
    if (!Number.isInteger(options.count) || options.count < 0) throw new Error(`simulated node count must be a non-negative integer, got ${options.count}`);
    const prefix = options.namePrefix ?? 'sim-node-';
    const log = options.log ?? (() => undefined);
    const now = options.now ?? (() => new Date());
    const capacity = { ...defaultCapacity, ...options.capacity };
    for (let index = 1; index <= options.count; index++) {
      const name = `${prefix}${index}`;
      this.nodes.set(name, new SimulatedNode({
        client: options.client,
        name,
        index,
        capacity,
        leaseRenewMs: options.leaseRenewMs ?? 10_000,
        statusUpdateMs: options.statusUpdateMs ?? 60_000,
        startDelayMs: options.startDelayMs ?? 200,
        restartBackOffMs: options.restartBackOffMs ?? 1000,
        now,
        log,
      }));
    }
    this.pods = new Informer(options.client, podsRef, undefined, { log });
    this.pods.on({
      add: (pod) => this.route(pod),
      update: (old, pod) => {
        // A pod can only be bound once, but a relist may replace it by a namesake on another node.
        const before = this.nodeOf(old);
        if (before && old.metadata.uid !== pod.metadata.uid) before.removePod(old);
        this.route(pod);
      },
      delete: (pod) => this.nodeOf(pod)?.removePod(pod),
    });
    this.readyPromise = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
  }

  /** Names of the simulated nodes, in order. */
  names(): string[] {
    return [...this.nodes.keys()];
  }

  /** The simulated node of that name (for its podCIDR, internalIP, isRunning). */
  node(name: string): SimulatedNode | undefined {
    return this.nodes.get(name);
  }

  /**
   * Runs all nodes until `signal` aborts, then stops them. Resolves after the abort;
   * use ready() (or start(signal)) to wait for registration.
   */
  run(signal: AbortSignal): Promise<void> {
    if (this.running) return this.running;
    this.signal = signal;
    this.running = (async () => {
      const aborted = new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      const informer = this.pods.run(signal);
      await Promise.all([...this.nodes.values()].map((node) => node.start(signal)));
      // The informer never syncs if aborted first: do not wait for it then.
      await Promise.race([this.pods.synced(), aborted]);
      if (!signal.aborted) this.resolveReady();
      await aborted;
      this.stopAll();
      await informer;
    })();
    return this.running;
  }

  /** Resolves once every node is registered Ready and the pod cache is loaded. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  /**
   * start(signal): runs all nodes in the background (until signal aborts) and resolves once
   * they are ready. start(nodeName): brings a stopped node back — it posts Ready again,
   * renews its Lease and picks its pods up where their status says they are.
   */
  start(signal: AbortSignal): Promise<void>;
  start(nodeName: string): Promise<void>;
  async start(target: AbortSignal | string): Promise<void> {
    if (typeof target !== 'string') {
      void this.run(target);
      await Promise.race([this.ready(), new Promise<void>((resolve) => target.addEventListener('abort', () => resolve(), { once: true }))]);
      return;
    }
    const node = this.require(target);
    const signal = this.signal;
    if (!signal) throw new Error('simulated nodes are not running: call run(signal) or start(signal) first');
    if (node.isRunning || signal.aborted) return;
    await node.start(signal);
    for (const pod of this.pods.list()) if (this.nodeOf(pod) === node) node.syncPod(pod);
  }

  /** Makes a node look failed: no more Lease renewals, status heartbeats or pod handling. */
  stop(nodeName: string): void {
    this.require(nodeName).stop();
  }

  /** Stops every node (what an abort does); timers are all cleared. */
  stopAll(): void {
    for (const node of this.nodes.values()) node.stop();
  }

  private require(name: string): SimulatedNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no simulated node named ${name}`);
    return node;
  }

  private nodeOf(pod: KubeObject): SimulatedNode | undefined {
    const nodeName = (pod.spec as Record<string, unknown> | undefined)?.nodeName;
    return typeof nodeName === 'string' ? this.nodes.get(nodeName) : undefined;
  }

  private route(pod: KubeObject): void {
    this.nodeOf(pod)?.syncPod(pod);
  }
}
