/**
 * The Deployment controller (kube-controller-manager's deployment controller): watches
 * Deployments, their ReplicaSets and pods, and runs one DeploymentSync per changed
 * Deployment. The rollout logic is in deployment-rollout.ts, status in deployment-status.ts.
 */
import type { OwnerReference } from '../api/types.js';
import { EventRecorder, Informer, type Client } from '../client/index.js';
import { WorkQueue } from './queue.js';
import { controllerOf, keyOf, selects, splitKey, type Log } from './owners.js';
import { podsRef, replicaSetsRef, type Pod, type ReplicaSet } from './replicaset.js';
import { DeploymentSync, deploymentsRef } from './deployment-rollout.js';
import type { Deployment } from './deployment-util.js';

export { deploymentsRef } from './deployment-rollout.js';
export type { Deployment, DeploymentCondition, DeploymentSpec, DeploymentStatus } from './deployment-util.js';

export interface DeploymentControllerOptions {
  client: Client;
  log?: Log;
  /** Concurrent syncs (kube's --concurrent-deployment-syncs, default 5). */
  workers?: number;
  /** Clock for conditions and the progress deadline; tests may pass their own. */
  now?: () => Date;
}

export class DeploymentController {
  private readonly client: Client;
  private readonly log: Log;
  private readonly workers: number;
  private readonly now: () => Date;
  readonly deployments: Informer<Deployment>;
  readonly replicaSets: Informer<ReplicaSet>;
  readonly pods: Informer<Pod>;
  private readonly queue = new WorkQueue();
  private readonly events: EventRecorder;

  constructor(options: DeploymentControllerOptions) {
    if (!options.client) throw new TypeError('Cannot create deployment controller: a client is required');
    this.client = options.client;
    this.log = options.log ?? (() => undefined);
    this.workers = options.workers ?? 5;
    this.now = options.now ?? (() => new Date());
    this.events = new EventRecorder(this.client, 'deployment-controller', '', this.now, this.log);
    this.deployments = new Informer<Deployment>(this.client, deploymentsRef, undefined, { log: this.log });
    this.replicaSets = new Informer<ReplicaSet>(this.client, replicaSetsRef, undefined, { log: this.log });
    this.pods = new Informer<Pod>(this.client, podsRef, undefined, { log: this.log });
    this.deployments.on({
      add: (d) => this.queue.add(keyOf(d)),
      update: (_old, d) => this.queue.add(keyOf(d)),
      delete: (d) => this.queue.add(keyOf(d)),
    });
    this.replicaSets.on({
      add: (rs) => this.addReplicaSet(rs),
      update: (old, rs) => this.updateReplicaSet(old, rs),
      delete: (rs) => this.deleteReplicaSet(rs),
    });
    this.pods.on({ delete: (pod) => this.deletePod(pod) });
  }

  /** Runs the informers and workers until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.deployments.run(signal), this.replicaSets.run(signal), this.pods.run(signal)];
    const synced = Promise.all([this.deployments.synced(), this.replicaSets.synced(), this.pods.synced()]);
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([synced, aborted]);
    if (!signal.aborted) await this.queue.run(this.workers, (key) => this.sync(key), signal, this.log);
    await Promise.all(informers);
  }

  /** syncDeployment for one key. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deployments.get(namespace, name);
    if (!cached) return;
    const sync = new DeploymentSync(
      {
        client: this.client,
        events: this.events,
        log: this.log,
        now: this.now,
        replicaSets: (ns) => this.replicaSets.list(ns),
        pods: (ns) => this.pods.list(ns),
        requeueAfter: (k, ms) => this.queue.addAfter(k, ms),
      },
      structuredClone(cached),
    );
    await sync.run();
  }

  // ---- Event handlers ----

  private resolveControllerRef(namespace: string | undefined, ref: OwnerReference): Deployment | undefined {
    if (ref.kind !== 'Deployment' || !ref.apiVersion.startsWith('apps/')) return undefined;
    const d = this.deployments.get(namespace, ref.name);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  /** Deployments whose selector matches an orphan ReplicaSet. */
  private deploymentsSelecting(rs: ReplicaSet): Deployment[] {
    return this.deployments.list(rs.metadata.namespace).filter((d) => selects(d.spec?.selector, rs.metadata.labels));
  }

  private addReplicaSet(rs: ReplicaSet): void {
    if (rs.metadata.deletionTimestamp) return this.deleteReplicaSet(rs);
    const ref = controllerOf(rs);
    if (ref) {
      const d = this.resolveControllerRef(rs.metadata.namespace, ref);
      if (d) this.queue.add(keyOf(d));
      return;
    }
    for (const d of this.deploymentsSelecting(rs)) this.queue.add(keyOf(d));
  }

  private updateReplicaSet(old: ReplicaSet, rs: ReplicaSet): void {
    if (old.metadata.resourceVersion === rs.metadata.resourceVersion) return;
    const ref = controllerOf(rs);
    const oldRef = controllerOf(old);
    if (oldRef && (!ref || oldRef.uid !== ref.uid)) {
      const d = this.resolveControllerRef(old.metadata.namespace, oldRef);
      if (d) this.queue.add(keyOf(d));
    }
    if (ref) {
      const d = this.resolveControllerRef(rs.metadata.namespace, ref);
      if (d) this.queue.add(keyOf(d));
      return;
    }
    const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(rs.metadata.labels ?? {});
    if (labelsChanged || oldRef) for (const d of this.deploymentsSelecting(rs)) this.queue.add(keyOf(d));
  }

  private deleteReplicaSet(rs: ReplicaSet): void {
    const ref = controllerOf(rs);
    if (!ref) return;
    const d = this.resolveControllerRef(rs.metadata.namespace, ref);
    if (d) this.queue.add(keyOf(d));
  }

  /** A Recreate rollout waits for the old pods to be gone: each deletion may unblock it. */
  private deletePod(pod: Pod): void {
    const rsRef = controllerOf(pod);
    if (!rsRef || rsRef.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.get(pod.metadata.namespace, rsRef.name);
    const ref = rs && rs.metadata.uid === rsRef.uid ? controllerOf(rs) : undefined;
    if (!ref) return;
    const d = this.resolveControllerRef(pod.metadata.namespace, ref);
    if (d && d.spec?.strategy?.type === 'Recreate') this.queue.add(keyOf(d));
  }
}
