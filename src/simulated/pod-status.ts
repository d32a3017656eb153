import type { KubeObject } from '../api/types.js';
import { kubeTime } from './time.js';

/**
 * Where a simulated pod is in its life. The status kubelet would report is a pure function
 * of this (plus the pod spec), so a status write can always be recomputed and retried.
 */
export type PodStage =
  /** Sandbox being set up; init containers (if any) not yet run. */
  | 'creating'
  /** Init containers completed, app containers being created. */
  | 'initialized'
  | 'running'
  /** OnFailure pod whose containers failed, waiting to restart (CrashLoopBackOff). */
  | 'backoff'
  | 'succeeded'
  | 'failed'
  /** Deleted: containers stopped, waiting to be removed. */
  | 'killed';

export interface PodRunState {
  stage: PodStage;
  hostIP: string;
  podIP?: string;
  startTime: Date;
  initStartedAt?: Date;
  initFinishedAt?: Date;
  /** Start of the current container run. */
  startedAt?: Date;
  /** End of the current container run (terminal stages). */
  finishedAt?: Date;
  exitCode: number;
  restartCount: number;
  /** The previous run's termination (OnFailure restarts), shown as lastState. */
  lastTermination?: { exitCode: number; reason: string; startedAt: Date; finishedAt: Date };
}

export interface ContainerSpec {
  name: string;
  image: string;
}

function containersOf(value: unknown): ContainerSpec[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((c: unknown) => {
    if (typeof c !== 'object' || c === null) return [];
    const r = c as Record<string, unknown>;
    return typeof r.name === 'string' ? [{ name: r.name, image: typeof r.image === 'string' ? r.image : '' }] : [];
  });
}

export function podContainers(pod: KubeObject): { init: ContainerSpec[]; app: ContainerSpec[] } {
  const spec = (pod.spec ?? {}) as Record<string, unknown>;
  // Restartable init containers (sidecars) are treated as plain init containers: they complete.
  return { init: containersOf(spec.initContainers), app: containersOf(spec.containers) };
}

export function restartPolicyOf(pod: KubeObject): 'Always' | 'OnFailure' | 'Never' {
  const policy = ((pod.spec ?? {}) as Record<string, unknown>).restartPolicy;
  return policy === 'Never' || policy === 'OnFailure' ? policy : 'Always';
}

const containerId = (pod: KubeObject, name: string): string => `simulated://${pod.metadata.uid ?? ''}/${name}`;
const imageId = (image: string): string => `simulated://${image}`;

function terminated(pod: KubeObject, c: ContainerSpec, exitCode: number, startedAt: Date, finishedAt: Date): Record<string, unknown> {
  return {
    terminated: {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt: kubeTime(startedAt),
      finishedAt: kubeTime(finishedAt),
      containerID: containerId(pod, c.name),
    },
  };
}

function initStatuses(pod: KubeObject, init: ContainerSpec[], state: PodRunState): Record<string, unknown>[] {
  const done = state.stage !== 'creating';
  return init.map((c) => ({
    name: c.name,
    state: done
      ? terminated(pod, c, 0, state.initStartedAt ?? state.startTime, state.initFinishedAt ?? state.startTime)
      : { waiting: { reason: 'PodInitializing' } },
    lastState: {},
    ready: done,
    restartCount: 0,
    image: c.image,
    imageID: done ? imageId(c.image) : '',
    ...(done ? { containerID: containerId(pod, c.name), started: false } : { started: false }),
  }));
}

function appStatuses(pod: KubeObject, app: ContainerSpec[], hasInit: boolean, state: PodRunState, backOffMessage: (c: ContainerSpec) => string): Record<string, unknown>[] {
  return app.map((c) => {
    const lastState = state.lastTermination
      ? terminated(pod, c, state.lastTermination.exitCode, state.lastTermination.startedAt, state.lastTermination.finishedAt)
      : {};
    const created = { image: c.image, imageID: imageId(c.image), containerID: containerId(pod, c.name) };
    switch (state.stage) {
      case 'creating':
      case 'initialized':
        return {
          name: c.name,
          state: { waiting: { reason: state.stage === 'creating' && hasInit ? 'PodInitializing' : 'ContainerCreating' } },
          lastState, ready: false, restartCount: state.restartCount, image: c.image, imageID: '', started: false,
        };
      case 'running':
        return {
          name: c.name,
          state: { running: { startedAt: kubeTime(state.startedAt ?? state.startTime) } },
          lastState, ready: true, restartCount: state.restartCount, ...created, started: true,
        };
      case 'backoff':
        return {
          name: c.name,
          state: { waiting: { reason: 'CrashLoopBackOff', message: backOffMessage(c) } },
          lastState, ready: false, restartCount: state.restartCount, ...created, started: false,
        };
      case 'succeeded':
      case 'failed':
      case 'killed':
        return {
          name: c.name,
          state: terminated(pod, c, state.exitCode, state.startedAt ?? state.startTime, state.finishedAt ?? state.startedAt ?? state.startTime),
          lastState, ready: false, restartCount: state.restartCount, ...created, started: false,
        };
    }
  });
}

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
}

/** Conditions in kubelet 1.32's order for the stage. */
function conditionsFor(stage: PodStage, init: ContainerSpec[], app: ContainerSpec[]): Condition[] {
  const unready = `containers with unready status: [${app.map((c) => c.name).join(' ')}]`;
  const notReady = { status: 'False' as const, reason: 'ContainersNotReady', message: unready };
  const completed = { status: 'False' as const, reason: 'PodCompleted' };
  switch (stage) {
    case 'creating':
      return [
        { type: 'PodReadyToStartContainers', status: 'False' },
        init.length > 0
          ? { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${init.map((c) => c.name).join(' ')}]` }
          : { type: 'Initialized', status: 'True' },
        { type: 'Ready', ...notReady },
        { type: 'ContainersReady', ...notReady },
      ];
    case 'initialized':
    case 'backoff':
      return [
        { type: 'PodReadyToStartContainers', status: 'True' },
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', ...notReady },
        { type: 'ContainersReady', ...notReady },
      ];
    case 'running':
      return [
        { type: 'PodReadyToStartContainers', status: 'True' },
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'True' },
        { type: 'ContainersReady', status: 'True' },
      ];
    case 'succeeded':
    case 'killed':
      return [
        { type: 'PodReadyToStartContainers', status: 'False' },
        { type: 'Initialized', status: 'True', reason: 'PodCompleted' },
        { type: 'Ready', ...completed },
        { type: 'ContainersReady', ...completed },
      ];
    case 'failed':
      return [
        { type: 'PodReadyToStartContainers', status: 'False' },
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', ...notReady },
        { type: 'ContainersReady', ...notReady },
      ];
  }
}

function phaseFor(stage: PodStage, exitCode: number): string {
  switch (stage) {
    case 'creating':
    case 'initialized':
      return 'Pending';
    case 'running':
    case 'backoff':
      return 'Running';
    case 'succeeded':
      return 'Succeeded';
    case 'failed':
      return 'Failed';
    case 'killed':
      // Since 1.27 kubelet moves a deleted pod to a terminal phase before it is removed.
      return exitCode === 0 ? 'Succeeded' : 'Failed';
  }
}

/**
 * The status fields kubelet owns for `pod` in `state`. Conditions keep their
 * lastTransitionTime while their status is unchanged; PodScheduled (the scheduler's) is kept.
 */
export function podStatus(pod: KubeObject, state: PodRunState, now: Date): Record<string, unknown> {
  const { init, app } = podContainers(pod);
  const current = (pod.status ?? {}) as Record<string, unknown>;
  const previous = Array.isArray(current.conditions) ? (current.conditions as unknown[]).filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null) : [];
  const time = kubeTime(now);
  const conditions: Record<string, unknown>[] = conditionsFor(state.stage, init, app).map((c) => {
    const old = previous.find((p) => p.type === c.type);
    const lastTransitionTime = old && old.status === c.status && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : time;
    return { type: c.type, status: c.status, lastProbeTime: null, lastTransitionTime, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) };
  });
  const scheduled = previous.find((p) => p.type === 'PodScheduled');
  conditions.push(scheduled && scheduled.status === 'True' ? scheduled : { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: time });

  const status: Record<string, unknown> = {
    phase: phaseFor(state.stage, state.exitCode),
    conditions,
    hostIP: state.hostIP,
    hostIPs: [{ ip: state.hostIP }],
    startTime: kubeTime(state.startTime),
    containerStatuses: appStatuses(pod, app, init.length > 0, state, (c) =>
      `back-off 10s restarting failed container=${c.name} pod=${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`),
  };
  if (state.podIP) {
    status.podIP = state.podIP;
    status.podIPs = [{ ip: state.podIP }];
  }
  if (init.length > 0) status.initContainerStatuses = initStatuses(pod, init, state);
  return status;
}
