/**
 * The disruption controller (kube-controller-manager's disruption controller): keeps each
 * PodDisruptionBudget's status — expected, healthy and desired pods, the disruptions the
 * eviction API may still allow, and evictions it has not yet seen carried out.
 */
import type { KubeObject } from '../api/types.js';
import { EventRecorder, Informer, type Client, type ResourceRef } from '../client/index.js';
import {
  BudgetSpecError,
  budgetSelects,
  countHealthy,
  disruptedPodMap,
  expectedAndDesired,
  failSafeStatus,
  needsScale,
  nextStatus,
  type BudgetStatus,
  type PodDisruptionBudget,
} from './disruption-status.js';
import { controllerOf, errorMessage, isNotFound, keyOf, splitKey, type Log } from './owners.js';
import { WorkQueue } from './queue.js';
import { podsRef, type Pod } from './replicaset.js';

export const pdbsRef: ResourceRef = { apiVersion: 'policy/v1', plural: 'poddisruptionbudgets' };
const appsRef = (plural: string): ResourceRef => ({ apiVersion: 'apps/v1', plural });
const scaledKinds = new Set(['ReplicaSet', 'Deployment', 'StatefulSet']);

export interface DisruptionControllerOptions {
  client: Client;
  log?: Log;
  workers?: number;
  /** Clock for disruptedPods expiry; tests may pass their own. */
  now?: () => Date;
}

interface Scaled extends KubeObject {
  spec?: { replicas?: number };
}

/** A pod whose controller could not be found: the budget fails safe (kube's "found no controllers"). */
class NoControllerError extends Error {}

export class DisruptionController {
  private readonly client: Client;
  private readonly log: Log;
  private readonly workers: number;
  private readonly now: () => Date;
  private readonly queue = new WorkQueue();
  private readonly events: EventRecorder;
  readonly pods: Informer<Pod>;
  readonly budgets: Informer<PodDisruptionBudget>;

  constructor(options: DisruptionControllerOptions) {
    if (!options.client) throw new TypeError('Cannot create disruption controller: a client is required');
    this.client = options.client;
    this.log = options.log ?? (() => undefined);
    this.workers = options.workers ?? 2;
    this.now = options.now ?? (() => new Date());
    this.events = new EventRecorder(this.client, 'controllermanager', '', this.now, this.log);
    this.pods = new Informer<Pod>(this.client, podsRef, undefined, { log: this.log });
    this.budgets = new Informer<PodDisruptionBudget>(this.client, pdbsRef, undefined, { log: this.log });
    this.budgets.on({
      add: (pdb) => this.queue.add(keyOf(pdb)),
      update: (_old, pdb) => this.queue.add(keyOf(pdb)),
      delete: (pdb) => this.queue.add(keyOf(pdb)),
    });
    this.pods.on({
      add: (pod) => this.enqueueFor(pod),
      update: (old, pod) => {
        this.enqueueFor(old);
        this.enqueueFor(pod);
      },
      delete: (pod) => this.enqueueFor(pod),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.pods.run(signal), this.budgets.run(signal)];
    const synced = Promise.all([this.pods.synced(), this.budgets.synced()]);
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([synced, aborted]);
    if (!signal.aborted) await this.queue.run(this.workers, (key) => this.sync(key), signal, this.log);
    await Promise.all(informers);
  }

  /** Every budget covering the pod hears of it (kube warns about, but still syncs, overlaps). */
  private enqueueFor(pod: Pod): void {
    for (const pdb of this.budgets.list(pod.metadata.namespace)) {
      if (budgetSelects(pdb, pod.metadata.labels)) this.queue.add(keyOf(pdb));
    }
  }

  private async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pdb = this.budgets.get(namespace, name);
    if (!pdb || pdb.metadata.deletionTimestamp) return;
    const pods = this.pods.list(namespace).filter((pod) => budgetSelects(pdb, pod.metadata.labels));
    if (pods.length === 0) void this.events.record(pdb, 'Normal', 'NoPods', 'No matching pods found');
    const now = this.now();
    let status: BudgetStatus | undefined;
    let recheckAt: number | undefined;
    try {
      const scale = needsScale(pdb) ? await this.expectedScale(pods) : pods.length;
      const { expectedPods, desiredHealthy } = expectedAndDesired(pdb, pods.length, scale);
      const disrupted = disruptedPodMap(pods, pdb, now);
      recheckAt = disrupted.recheckAt;
      status = nextStatus(pdb, { currentHealthy: countHealthy(pods, disrupted.disrupted), desiredHealthy, expectedPods, disrupted: disrupted.disrupted }, now);
    } catch (error: unknown) {
      if (!(error instanceof NoControllerError) && !(error instanceof BudgetSpecError)) throw error;
      void this.events.record(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${errorMessage(error)}`);
      status = failSafeStatus(pdb, errorMessage(error), now);
    }
    if (recheckAt !== undefined) this.queue.addAfter(key, recheckAt - now.getTime() + 1000);
    if (!status) return;
    // A conflict (the eviction API spent a disruption meanwhile) throws and is retried from the cache.
    await this.client.update<PodDisruptionBudget>(pdbsRef, { ...pdb, status }, { subresource: 'status' });
  }

  /**
   * getExpectedScale: the sum of spec.replicas of the controllers owning the pods (a
   * Deployment through its ReplicaSet); pods without a controller count one each.
   */
  private async expectedScale(pods: Pod[]): Promise<number> {
    const seenRefs = new Set<string>();
    const counted = new Set<string>();
    let total = 0;
    for (const pod of pods) {
      const ref = controllerOf(pod);
      // Other controllers (Jobs, custom ones) have no scale read here: each of their pods counts.
      if (!ref || !ref.apiVersion.startsWith('apps/') || !scaledKinds.has(ref.kind)) {
        total++;
        continue;
      }
      if (seenRefs.has(ref.uid)) continue;
      seenRefs.add(ref.uid);
      const owner = await this.scaleOwner(pod.metadata.namespace, ref.kind, ref.name, ref.uid);
      if (!owner) throw new NoControllerError(`found no controllers for pod "${pod.metadata.name ?? ''}"`);
      // Two ReplicaSets of one Deployment (mid-rollout) count the Deployment once.
      const ownerUid = owner.metadata.uid ?? ref.uid;
      if (counted.has(ownerUid)) continue;
      counted.add(ownerUid);
      total += owner.spec?.replicas ?? 1;
    }
    return total;
  }

  /** The object whose replicas count for pods of this controller: the ReplicaSet, its Deployment, or the StatefulSet. */
  private async scaleOwner(namespace: string | undefined, kind: string, name: string, uid: string): Promise<Scaled | undefined> {
    const object = await this.getOrUndefined(appsRef(`${kind.toLowerCase()}s`), namespace, name);
    if (!object || object.metadata.uid !== uid) return undefined;
    if (kind !== 'ReplicaSet') return object;
    const parent = controllerOf(object);
    if (!parent || parent.kind !== 'Deployment') return object;
    const deployment = await this.getOrUndefined(appsRef('deployments'), namespace, parent.name);
    return deployment && deployment.metadata.uid === parent.uid ? deployment : undefined;
  }

  private async getOrUndefined(ref: ResourceRef, namespace: string | undefined, name: string): Promise<Scaled | undefined> {
    try {
      return await this.client.get<Scaled>(ref, namespace, name);
    } catch (error: unknown) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}
