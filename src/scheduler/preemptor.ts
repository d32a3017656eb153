// DefaultPreemption's acting half: after a FitError, pick victims (preemption.ts), remember the
// nomination and the victims as terminating at once (so the next attempt waits for them rather
// than preempting again), then mark, delete and report the victims and nominate the preemptor.
import { Informer, type Client, type EventRecorder } from '../client/index.js';
import { errorMessage, statusCode } from '../client/errors.js';
import { fitErrorMessage, type FitError } from './algorithm.js';
import type { NodeInfo, PodInfo } from './cache.js';
import { findCandidates, ineligibility, pickCandidate, terminatingByPreemption, type Candidate, type PodDisruptionBudget } from './preemption.js';
import { kubeTime } from '../api/time.js';

const podsRef = { apiVersion: 'v1', plural: 'pods' };
const pdbsRef = { apiVersion: 'policy/v1', plural: 'poddisruptionbudgets' };

type Log = (message: string, fields?: Record<string, unknown>) => void;

export interface PostFilterOutcome {
  /** The FailedScheduling message: with kube's "preemption: …" part only when nothing was preempted. */
  message: string;
  /** The chosen node and victims, when preemption happens. */
  candidate?: Candidate;
  /** API work for the preemption (resolves once the victims are asked to go). */
  execute?: () => Promise<void>;
}


export class Preemptor {
  /** Preemptor pod key → nominated node (kube's nominator; the API copy may lag behind). */
  private readonly nominated = new Map<string, string>();
  /** Victims we asked to go whose deletion the informer may not show yet. */
  private readonly terminating = new Set<string>();
  private readonly pdbs: Informer<PodDisruptionBudget>;

  constructor(
    private readonly client: Client,
    private readonly recorder: EventRecorder,
    private readonly schedulerName: string,
    private readonly log: Log,
    private readonly now: () => Date,
  ) {
    this.pdbs = new Informer<PodDisruptionBudget>(client, pdbsRef, undefined, { log });
  }

  /** Keeps the PDB cache current until the signal aborts. */
  run(signal: AbortSignal): Promise<void> {
    return this.pdbs.run(signal);
  }

  /**
   * The pod was bound or deleted: its nomination no longer matters. (Victims leave the
   * terminating set only once gone from the cache: their updates on the way must not clear it.)
   */
  forget(key: string): void {
    this.nominated.delete(key);
  }

  nominatedNode(key: string): string | undefined {
    return this.nominated.get(key);
  }

  /** The PostFilter: decides synchronously (against the cache as it is now), acts asynchronously. */
  postFilter(pod: PodInfo, fit: FitError, nodes: NodeInfo[], getNode: (name: string) => NodeInfo | undefined, hasPod: (key: string) => boolean): PostFilterOutcome {
    const statuses = [...fit.statuses.values()];
    for (const key of this.terminating) if (!hasPod(key)) this.terminating.delete(key);
    const nominatedName = this.nominated.get(pod.key) ?? pod.pod.status?.nominatedNodeName;
    const reason = ineligibility(pod, nominatedName ? getNode(nominatedName) : undefined, nominatedName ? fit.statuses.get(nominatedName) : undefined,
      (p) => this.terminating.has(p.key) || terminatingByPreemption(p));
    // preemptionPolicy=Never keeps the message without a preemption part (as before preemption existed).
    if (reason && pod.pod.spec?.preemptionPolicy === 'Never') return { message: fit.message };
    if (reason) return { message: fitErrorMessage(fit.numAllNodes, statuses, reason) };
    const candidate = pickCandidate(findCandidates(pod, nodes, fit.statuses, this.pdbs.list()));
    if (!candidate) return { message: fit.message };
    this.nominated.set(pod.key, candidate.nodeName);
    for (const v of candidate.victims) this.terminating.add(v.key);
    return { message: fitErrorMessage(fit.numAllNodes, statuses), candidate, execute: () => this.execute(pod, candidate) };
  }

  private async execute(pod: PodInfo, candidate: Candidate): Promise<void> {
    await Promise.all(candidate.victims.map((v) => this.evict(pod, v, candidate.nodeName)));
    const name = pod.pod.metadata.name ?? '';
    try {
      await this.client.patch(podsRef, pod.namespace, name, 'merge', { status: { nominatedNodeName: candidate.nodeName } }, { subresource: 'status' });
    } catch (error: unknown) {
      if (statusCode(error) !== 404) this.log('could not set nominatedNodeName', { pod: pod.key, error: errorMessage(error) });
    }
  }

  /** kube's prepareCandidate for one victim: DisruptionTarget condition, graceful delete, Preempted event. */
  private async evict(preemptor: PodInfo, victim: PodInfo, nodeName: string): Promise<void> {
    const name = victim.pod.metadata.name ?? '';
    const uid = victim.pod.metadata.uid;
    const condition = {
      type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler',
      message: `${this.schedulerName}: preempting to accommodate a higher priority pod`,
      lastTransitionTime: kubeTime(this.now()),
    };
    try {
      await this.client.patch(podsRef, victim.namespace, name, 'strategic', { status: { conditions: [condition] } }, { subresource: 'status' });
      // The pod's own grace period applies: its kubelet stops it and then removes it.
      await this.client.delete(podsRef, victim.namespace, name, uid ? { preconditions: { uid } } : undefined);
    } catch (error: unknown) {
      if (statusCode(error) === 404 || statusCode(error) === 409) return;
      this.terminating.delete(victim.key);
      this.log('could not preempt pod', { pod: victim.key, preemptor: preemptor.key, error: errorMessage(error) });
      return;
    }
    await this.recorder.record({ apiVersion: 'v1', kind: 'Pod', metadata: victim.pod.metadata }, 'Normal', 'Preempted', `Preempted by pod ${preemptor.pod.metadata.uid ?? ''} on node ${nodeName}`);
  }
}
