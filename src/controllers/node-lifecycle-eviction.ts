/**
 * Taint-based eviction (kube's NoExecuteTaintManager): pods on a node with a NoExecute taint
 * they do not tolerate are deleted at once; pods tolerating it for tolerationSeconds are
 * deleted when that runs out. Decisions are re-made from the caches whenever a pod or its
 * node's taints change, so a taint removed in time simply finds nothing to do.
 */
import type { EventRecorder, Client, Informer } from '../client/index.js';
import { WorkQueue } from './queue.js';
import { errorMessage, isConflict, isNotFound, keyOf, splitKey, type Log } from './owners.js';
import { podsRef, type Pod, type PodCondition } from './replicaset.js';
import { planEviction, type Node, type Taint, type Toleration } from './node-lifecycle-taints.js';
import { kubeTime } from './node-lifecycle-health.js';

export interface TaintEvictorOptions {
  client: Client;
  nodes: Informer<Node>;
  pods: Informer<Pod>;
  recorder: EventRecorder;
  log: Log;
  now: () => Date;
  /** When a taint began, in ms (its timeAdded, made precise when this controller added it). */
  taintStartMs: (nodeName: string, taint: Taint) => number;
}

/** Slack added to a deadline timer so the re-check lands after it, not just before. */
const deadlineSlackMs = 5;

export class TaintEvictor {
  private readonly queue = new WorkQueue();
  /** One pending deadline per pod; replaced when the pod is re-planned, cleared on stop. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly byNode = new Map<string, Set<string>>();

  constructor(private readonly options: TaintEvictorOptions) {
    options.pods.on({
      add: (pod) => this.track(undefined, pod),
      update: (old, pod) => this.track(old, pod),
      delete: (pod) => this.untrack(pod),
    });
  }

  /** Keys of the pods bound to a node, from the pod cache. */
  podsOn(nodeName: string): string[] {
    return [...(this.byNode.get(nodeName) ?? [])];
  }

  /** Re-plans every pod on the node (its NoExecute taints changed). */
  nodeChanged(nodeName: string): void {
    for (const key of this.podsOn(nodeName)) this.queue.add(key);
  }

  async run(signal: AbortSignal, workers = 4): Promise<void> {
    try {
      await this.queue.run(workers, (key) => this.sync(key), signal, this.options.log);
    } finally {
      for (const timer of this.timers.values()) clearTimeout(timer);
      this.timers.clear();
    }
  }

  private track(old: Pod | undefined, pod: Pod): void {
    const before = old?.spec?.nodeName;
    const after = pod.spec?.nodeName;
    const key = keyOf(pod);
    if (before && before !== after) this.byNode.get(before)?.delete(key);
    if (typeof after !== 'string' || !after) return;
    let set = this.byNode.get(after);
    if (!set) this.byNode.set(after, (set = new Set()));
    set.add(key);
    // Only pods on NoExecute-tainted nodes need a decision; skip the rest cheaply.
    if (this.noExecuteTaints(after).length > 0) this.queue.add(key);
  }

  private untrack(pod: Pod): void {
    const key = keyOf(pod);
    const nodeName = pod.spec?.nodeName;
    if (typeof nodeName === 'string') this.byNode.get(nodeName)?.delete(key);
    this.clearTimer(key);
  }

  private noExecuteTaints(nodeName: string): Taint[] {
    return (this.options.nodes.get(undefined, nodeName)?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
  }

  private clearTimer(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  private async sync(key: string): Promise<void> {
    this.clearTimer(key);
    const { namespace, name } = splitKey(key);
    const pod = this.options.pods.get(namespace, name);
    // A terminating pod is already on its way out: deleting again would change nothing.
    if (!pod || pod.metadata.deletionTimestamp) return;
    const nodeName = pod.spec?.nodeName;
    if (typeof nodeName !== 'string' || !nodeName) return;
    const taints = this.noExecuteTaints(nodeName);
    if (taints.length === 0) return;
    const tolerations = (pod.spec?.tolerations ?? []) as Toleration[];
    const plan = planEviction(tolerations, taints, (taint) => this.options.taintStartMs(nodeName, taint));
    if (plan.kind === 'keep') return;
    if (plan.kind === 'at') {
      const wait = plan.atMs - this.options.now().getTime();
      if (wait > 0) {
        const timer = setTimeout(() => {
          this.timers.delete(key);
          this.queue.add(key);
        }, wait + deadlineSlackMs);
        timer.unref();
        this.timers.set(key, timer);
        return;
      }
    }
    await this.evict(pod);
  }

  /** kube's addConditionAndDeletePod: says why in a DisruptionTarget condition, then deletes. */
  private async evict(pod: Pod): Promise<void> {
    const { client, recorder, log } = this.options;
    const namespace = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    void recorder.record({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${namespace}/${name}`);
    try {
      await this.markDisruption(pod);
    } catch (error: unknown) {
      if (isNotFound(error)) return;
      // A conflict means the pod changed under us: the re-plan decides again on fresh data.
      if (isConflict(error)) throw error;
      log('could not add DisruptionTarget condition; deleting anyway', { pod: `${namespace}/${name}`, error: errorMessage(error) });
    }
    try {
      await client.delete(podsRef, namespace, name, { preconditions: { uid: pod.metadata.uid } });
      log('evicted pod from NoExecute-tainted node', { pod: `${namespace}/${name}`, node: pod.spec?.nodeName });
    } catch (error: unknown) {
      // Gone already, or a namesake with another uid (409): nothing of ours to delete.
      if (isNotFound(error) || isConflict(error)) return;
      throw error;
    }
  }

  private async markDisruption(pod: Pod): Promise<void> {
    const conditions = [...(pod.status?.conditions ?? [])];
    if (conditions.some((c) => c.type === 'DisruptionTarget' && c.status === 'True')) return;
    const condition: PodCondition = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'DeletionByTaintManager',
      message: 'Taint manager: deleting due to NoExecute taint',
      lastTransitionTime: kubeTime(this.options.now()),
    };
    const others = conditions.filter((c) => c.type !== 'DisruptionTarget');
    await this.options.client.update(podsRef, { ...pod, status: { ...pod.status, conditions: [...others, condition] } }, { subresource: 'status', fieldManager: 'node-controller' });
  }
}
