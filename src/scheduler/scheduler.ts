// kube-scheduler, small: informers feed a cache of nodes and placed pods and a queue of pods to
// place; each attempt filters and scores the nodes, assumes the pod onto the chosen node and
// binds it in the background; a pod that fits nowhere gets PodScheduled=False and an event.
import { EventRecorder, Informer, type Client } from '../client/index.js';
import { errorMessage, statusCode } from '../client/errors.js';
import { Algorithm, FitError, fitErrorMessage, NO_NODES_AVAILABLE, preemptionMessage } from './algorithm.js';
import { newPodInfo, podKey, SchedulerCache } from './cache.js';
import { INTER_POD_AFFINITY } from './plugins/inter-pod-affinity.js';
import { POD_TOPOLOGY_SPREAD } from './plugins/topology-spread.js';
import { VOLUME_BINDING, volumeBindingPreFilter, type PodVolumes } from './plugins/volume-binding.js';
import { VolumeBinder } from './volume-binder.js';
import { Preemptor } from './preemptor.js';
import { SchedulingQueue, type QueuedPod } from './queue.js';
import type { Node, Pod, PodCondition } from './types.js';
import { kubeTime } from '../api/time.js';

export type Log = (message: string, fields?: Record<string, unknown>) => void;

export interface SchedulerOptions {
  client: Client;
  /** Pods naming this scheduler in spec.schedulerName are ours (default "default-scheduler"). */
  schedulerName?: string;
  log?: Log;
  /** How often pods that fit nowhere are tried again regardless of cluster changes (ms). */
  retryIntervalMs?: number;
  /** Back-off after a failed attempt: initial and maximum (ms). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Percentage of nodes to find feasible before scoring (0: kube's adaptive default). */
  percentageOfNodesToScore?: number;
  /** Bindings in flight at once (default 256). */
  maxInFlightBindings?: number;
  now?: () => Date;
  /** Hears each successful binding, with the time since the pod entered the queue. */
  onBound?: (pod: Pod, nodeName: string, latencyMs: number) => void;
  /** How long a pod's binding waits for its claims to be bound (kube's bindTimeoutSeconds, 600 s). */
  volumeBindTimeoutMs?: number;
}

export interface SchedulerStats {
  attempts: number;
  scheduled: number;
  unschedulable: number;
  errors: number;
  bindConflicts: number;
}

const podsRef = { apiVersion: 'v1', plural: 'pods' };
const nodesRef = { apiVersion: 'v1', plural: 'nodes' };


function nodeChangeMatters(old: Node, node: Node): boolean {
  return JSON.stringify(old.spec ?? {}) !== JSON.stringify(node.spec ?? {})
    || JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(node.metadata.labels ?? {})
    || JSON.stringify(old.status?.allocatable ?? old.status?.capacity ?? {}) !== JSON.stringify(node.status?.allocatable ?? node.status?.capacity ?? {});
}

export class Scheduler {
  readonly schedulerName: string;
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly stats: SchedulerStats = { attempts: 0, scheduled: 0, unschedulable: 0, errors: 0, bindConflicts: 0 };
  private readonly client: Client;
  private readonly log: Log;
  private readonly recorder: EventRecorder;
  private readonly algorithm: Algorithm;
  private readonly preemptor: Preemptor;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly pending = new Set<Promise<void>>();
  private readonly now: () => Date;
  private readonly volumes: VolumeBinder;
  private stopped?: AbortSignal;

  constructor(private readonly options: SchedulerOptions) {
    this.client = options.client;
    this.schedulerName = options.schedulerName ?? 'default-scheduler';
    this.log = options.log ?? (() => undefined);
    this.now = options.now ?? (() => new Date());
    this.recorder = new EventRecorder(this.client, this.schedulerName, '', this.now, this.log);
    this.algorithm = new Algorithm({ percentageOfNodesToScore: options.percentageOfNodesToScore });
    this.preemptor = new Preemptor(this.client, this.recorder, this.schedulerName, this.log, this.now);
    this.queue = new SchedulingQueue({ initialBackoffMs: options.initialBackoffMs, maxBackoffMs: options.maxBackoffMs });
    this.pods = new Informer<Pod>(this.client, podsRef, undefined, { log: this.log });
    this.nodes = new Informer<Node>(this.client, nodesRef, undefined, { log: this.log });
    // A claim or volume appearing or binding may let pods VolumeBinding turned away fit.
    this.volumes = new VolumeBinder(this.client, this.log, options.volumeBindTimeoutMs, () => this.queue.moveAllToActive((p) => p.unschedulablePlugins.has(VOLUME_BINDING)));
    this.nodes.on({
      add: (node) => {
        this.cache.upsertNode(node);
        this.queue.moveAllToActive();
      },
      update: (old, node) => {
        this.cache.upsertNode(node);
        if (nodeChangeMatters(old, node)) this.queue.moveAllToActive();
      },
      delete: (node) => this.cache.removeNode(node.metadata.name ?? ''),
    });
    this.pods.on({
      add: (pod) => this.onPod(pod),
      update: (_old, pod) => this.onPod(pod),
      delete: (pod) => {
        const key = podKey(pod);
        this.queue.delete(key);
        this.preemptor.forget(key);
        if (this.cache.hasPod(key)) {
          this.cache.removePod(key);
          this.queue.moveAllToActive();
        }
      },
    });
  }

  /** Whether this scheduler should place the pod now. */
  responsibleFor(pod: Pod): boolean {
    const spec = pod.spec ?? {};
    if (spec.nodeName) return false;
    if ((spec.schedulerName || 'default-scheduler') !== this.schedulerName) return false;
    if (pod.metadata.deletionTimestamp) return false;
    if ((spec.schedulingGates ?? []).length > 0) return false;
    const phase = pod.status?.phase;
    return phase !== 'Succeeded' && phase !== 'Failed';
  }

  private onPod(pod: Pod): void {
    const key = podKey(pod);
    if (pod.spec?.nodeName) {
      this.queue.delete(key);
      this.preemptor.forget(key);
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') {
        if (this.cache.hasPod(key)) {
          this.cache.removePod(key);
          this.queue.moveAllToActive();
        }
        return;
      }
      const known = this.cache.hasPod(key);
      this.cache.upsertPod(pod);
      if (!known) this.queue.moveAllToActive((p) => p.unschedulablePlugins.has(INTER_POD_AFFINITY) || p.unschedulablePlugins.has(POD_TOPOLOGY_SPREAD));
      return;
    }
    // An older, unbound copy of a pod we are binding: ignore until the binding shows up.
    if (this.cache.isAssumed(key)) return;
    if (this.responsibleFor(pod)) this.queue.add(key, pod);
    else this.queue.delete(key);
  }

  /** Schedules until the signal aborts; resolves once background work has finished. */
  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    this.stopped = signal;
    const informers = [this.nodes.run(signal), this.pods.run(signal), this.preemptor.run(signal), this.volumes.run(signal)];
    const onAbort = (): void => this.queue.close();
    signal.addEventListener('abort', onAbort, { once: true });
    const retry = setInterval(() => this.queue.moveAllToActive(), this.options.retryIntervalMs ?? 10_000);
    try {
      await Promise.race([Promise.all([this.nodes.synced(), this.pods.synced(), this.volumes.synced()]), new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }))]);
      let lastYield = performance.now();
      const maxInFlight = this.options.maxInFlightBindings ?? 256;
      while (!signal.aborted) {
        const next = await this.queue.pop();
        if (!next || signal.aborted) break;
        this.scheduleOne(next);
        while (this.pending.size >= maxInFlight) await Promise.race(this.pending);
        // Let informer events and timers in between long runs of attempts.
        if (performance.now() - lastYield > 5) {
          await new Promise((r) => setImmediate(r));
          lastYield = performance.now();
        }
      }
    } finally {
      clearInterval(retry);
      signal.removeEventListener('abort', onAbort);
      this.queue.close();
      await Promise.allSettled(informers);
      while (this.pending.size) await Promise.allSettled([...this.pending]);
    }
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.log('background scheduler work failed', { error: errorMessage(error) }));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /** One attempt for one popped pod. */
  scheduleOne(queued: QueuedPod): void {
    const { key } = queued;
    const [namespace, name] = [queued.pod.metadata.namespace ?? 'default', queued.pod.metadata.name ?? ''];
    const pod = this.pods.get(queued.pod.metadata.namespace, name) ?? queued.pod;
    if (!this.responsibleFor(pod) || this.cache.isAssumed(key)) {
      this.queue.done(key);
      return;
    }
    this.stats.attempts++;
    const info = newPodInfo(pod);
    const nodes = this.cache.list();
    const volumes = nodes.length > 0 ? volumeBindingPreFilter(pod, this.volumes.listers) : null;
    if (volumes && 'rejected' in volumes) {
      // PreFilter turned the pod away on every node: preemption cannot help (UnschedulableAndUnresolvable).
      this.stats.unschedulable++;
      this.queue.unschedulable(key, [VOLUME_BINDING]);
      const statuses = nodes.map(() => volumes.rejected);
      const message = fitErrorMessage(nodes.length, statuses, preemptionMessage(info, nodes.length, statuses), volumes.rejected.reasons.join(', '));
      this.track(this.reportUnschedulable(pod, message));
      return;
    }
    if (volumes) info.volumes = volumes.volumes;
    let nodeName: string;
    try {
      nodeName = this.algorithm.schedule(info, nodes).nodeName;
    } catch (error: unknown) {
      if (error instanceof FitError) {
        this.stats.unschedulable++;
        this.queue.unschedulable(key, error.plugins());
        // PostFilter: preemption may free a node; the victims' deletions requeue the pod.
        const outcome = this.preemptor.postFilter(info, error, this.cache.list(), (n) => this.cache.getNode(n), (k) => this.cache.hasPod(k));
        this.track((async () => {
          await outcome.execute?.();
          await this.reportUnschedulable(pod, outcome.message);
        })());
      } else if (error instanceof Error && error.message === NO_NODES_AVAILABLE) {
        this.stats.unschedulable++;
        this.queue.unschedulable(key, []);
        this.track(this.reportUnschedulable(pod, NO_NODES_AVAILABLE));
      } else {
        this.stats.errors++;
        this.log('scheduling attempt failed', { pod: key, error: errorMessage(error) });
        this.queue.backoff(key);
      }
      return;
    }
    this.cache.assume(info, nodeName);
    this.track(this.bind(queued, pod, namespace, name, nodeName, info.volumes));
  }

  private async bind(queued: QueuedPod, pod: Pod, namespace: string, name: string, nodeName: string, volumes: PodVolumes | undefined): Promise<void> {
    const key = queued.key;
    if (volumes && volumes.delayed.length > 0) {
      // PreBind: claims that waited for this pod get the node, and the pod waits for them to be bound.
      try {
        const bound = await this.volumes.bindPodVolumes(pod, nodeName, () => !this.pods.get(pod.metadata.namespace, name) || this.stopped?.aborted === true);
        if (!bound) {
          this.cache.forget(key);
          this.queue.done(key);
          return;
        }
      } catch (error: unknown) {
        this.cache.forget(key);
        this.queue.moveAllToActive();
        this.stats.errors++;
        this.queue.backoff(key);
        await this.recorder.record({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }, 'Warning', 'FailedScheduling', `running PreBind plugin "VolumeBinding": binding volumes: ${errorMessage(error)}`);
        return;
      }
    }
    try {
      await this.client.bind(namespace, name, nodeName);
    } catch (error: unknown) {
      this.cache.forget(key);
      this.queue.moveAllToActive();
      if (statusCode(error) === 409) {
        this.stats.bindConflicts++;
        this.log('pod already bound; dropping it', { pod: key, error: errorMessage(error) });
        this.queue.done(key);
      } else {
        this.stats.errors++;
        this.log('binding failed; retrying', { pod: key, node: nodeName, error: errorMessage(error) });
        this.queue.backoff(key);
      }
      return;
    }
    this.stats.scheduled++;
    this.queue.done(key);
    try {
      this.options.onBound?.(pod, nodeName, performance.now() - queued.firstSeen);
    } catch (error: unknown) {
      this.log('onBound hook failed', { error: errorMessage(error) });
    }
    await this.recorder.record({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`);
  }

  /** PodScheduled=False (reason Unschedulable) on the pod, and a FailedScheduling event. */
  private async reportUnschedulable(pod: Pod, message: string): Promise<void> {
    const namespace = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    const existing = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
    const event = this.recorder.record({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }, 'Warning', 'FailedScheduling', message);
    if (!(existing && existing.status === 'False' && existing.reason === 'Unschedulable' && existing.message === message)) {
      const condition: PodCondition = {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message,
        lastProbeTime: null,
        lastTransitionTime: existing?.status === 'False' && existing.lastTransitionTime ? existing.lastTransitionTime : kubeTime(this.now()),
      };
      try {
        await this.client.patch(podsRef, namespace, name, 'strategic', { status: { conditions: [condition] } }, { subresource: 'status' });
      } catch (error: unknown) {
        if (statusCode(error) !== 404) this.log('could not update pod status', { pod: `${namespace}/${name}`, error: errorMessage(error) });
      }
    }
    await event;
  }
}
