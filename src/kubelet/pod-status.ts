import type { KubeObject } from '../api/types.js';
import type { ContainerStatus } from './cri/types.js';
import type { PodState } from './context.js';
import { isSidecar, podSpecOf, restartPolicyOf, type ContainerSpec, type Probe } from './pod-spec.js';
import { restartCountOf, type RuntimePod } from './runtime-view.js';
import { fromNanos, kubeTime } from './util.js';

export interface StatusInputs {
  pod: KubeObject;
  runtime: RuntimePod;
  state: PodState;
  hostIP: string;
  podIP?: string;
  runtimeName: string;
  now: Date;
  /** The pod is being torn down (deleted or finished): stopped containers will not restart. */
  terminating?: boolean;
}

const time = (nanos: number): string | undefined => {
  const date = fromNanos(nanos);
  return date ? kubeTime(date) : undefined;
};

function terminated(c: ContainerStatus, runtimeName: string): Record<string, unknown> {
  return {
    terminated: {
      exitCode: c.exitCode,
      reason: c.reason || (c.exitCode === 0 ? 'Completed' : 'Error'),
      ...(c.message ? { message: c.message } : {}),
      startedAt: time(c.startedAt) ?? null,
      finishedAt: time(c.finishedAt) ?? null,
      containerID: `${runtimeName}://${c.id}`,
    },
  };
}

/** One entry of containerStatuses / initContainerStatuses, as kubelet's convertToAPIContainerStatuses. */
function containerStatus(spec: ContainerSpec, inputs: StatusInputs, defaultWaiting: string): Record<string, unknown> {
  const instances = inputs.runtime.containers.get(spec.name) ?? [];
  const [latest, previous] = instances;
  const waiting = inputs.state.waiting.get(spec.name);
  const base = { name: spec.name, image: spec.image };
  if (!latest) {
    return { ...base, state: { waiting: { reason: waiting?.reason ?? defaultWaiting, ...(waiting?.message ? { message: waiting.message } : {}) } }, lastState: {}, ready: false, restartCount: 0, imageID: '', started: false };
  }
  const ids = { imageID: latest.imageRef, containerID: `${inputs.runtimeName}://${latest.id}` };
  const restartCount = restartCountOf(latest);
  if (latest.state === 'CONTAINER_RUNNING') {
    // Until a startup probe succeeds the container is neither started nor ready.
    const started = !hasProbe(spec.startupProbe) || inputs.state.started.has(latest.id);
    const ready = started && (inputs.state.readiness.get(latest.id) ?? !hasProbe(spec.readinessProbe));
    return {
      ...base, ...ids, restartCount, started, ready,
      state: { running: { startedAt: time(latest.startedAt) ?? kubeTime(inputs.now) } },
      lastState: previous?.state === 'CONTAINER_EXITED' ? terminated(previous, inputs.runtimeName) : {},
    };
  }
  if (latest.state === 'CONTAINER_EXITED') {
    // An exited container about to restart shows why it waits, with its exit as lastState;
    // one that will not restart shows its exit (kubelet's convertToAPIContainerStatuses).
    if (waiting && !inputs.terminating && willRestart(inputs.pod, spec, latest)) {
      return { ...base, ...ids, restartCount, started: false, ready: false, state: { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } }, lastState: terminated(latest, inputs.runtimeName) };
    }
    // A completed (regular) init container counts as ready, as kubelet reports it.
    const completedInit = isInit(inputs.pod, spec.name) && !isSidecar(spec) && latest.exitCode === 0;
    return {
      ...base, ...ids, restartCount, started: false, ready: completedInit,
      state: terminated(latest, inputs.runtimeName),
      lastState: previous?.state === 'CONTAINER_EXITED' ? terminated(previous, inputs.runtimeName) : {},
    };
  }
  return { ...base, ...ids, restartCount, started: false, ready: false, state: { waiting: { reason: waiting?.reason ?? 'ContainerCreating' } }, lastState: previous?.state === 'CONTAINER_EXITED' ? terminated(previous, inputs.runtimeName) : {} };
}

/** Whether the restart policy brings this exited container back (kubelet's ShouldContainerBeRestarted). */
function willRestart(pod: KubeObject, spec: ContainerSpec, latest: ContainerStatus): boolean {
  if (isSidecar(spec)) return true;
  const policy = restartPolicyOf(pod);
  if (isInit(pod, spec.name)) return policy !== 'Never' && latest.exitCode !== 0;
  return policy === 'Always' || (policy === 'OnFailure' && latest.exitCode !== 0);
}

const isInit = (pod: KubeObject, name: string): boolean => (podSpecOf(pod).initContainers ?? []).some((c) => c.name === name);

/** Whether init containers are done: regular ones exited 0, sidecars started (or any app container already ran). */
export function initDone(pod: KubeObject, runtime: RuntimePod): boolean {
  const spec = podSpecOf(pod);
  if (spec.containers.some((c) => (runtime.containers.get(c.name) ?? []).length > 0)) return true;
  return (spec.initContainers ?? []).every((c) => {
    const latest = runtime.containers.get(c.name)?.[0];
    if (!latest) return false;
    return isSidecar(c) ? latest.state === 'CONTAINER_RUNNING' || latest.startedAt > 0 : latest.state === 'CONTAINER_EXITED' && latest.exitCode === 0;
  });
}

/** kubelet's getPhase, from the container statuses it just computed. */
function phaseOf(pod: KubeObject, statuses: Record<string, unknown>[], initStatuses: Record<string, unknown>[], initialized: boolean, terminating: boolean): string {
  const policy = restartPolicyOf(pod);
  const initFailed = podSpecOf(pod).initContainers?.some((c, i) => {
    const t = (initStatuses[i]?.state as { terminated?: { exitCode: number } } | undefined)?.terminated;
    return !isSidecar(c) && t !== undefined && t.exitCode !== 0;
  }) ?? false;
  if (initFailed && policy === 'Never') return 'Failed';
  if (!initialized) return 'Pending';
  let running = 0, stopped = 0, succeeded = 0, waiting = 0;
  for (const s of statuses) {
    const state = s.state as { running?: unknown; terminated?: { exitCode: number }; waiting?: unknown };
    if (state.running) running++;
    else if (state.terminated) {
      stopped++;
      if (state.terminated.exitCode === 0) succeeded++;
    } else if ((s.lastState as { terminated?: unknown }).terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return terminating ? 'Failed' : 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (terminating) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
}

/**
 * The status fields kubelet owns, as its generateAPIPodStatus computes them. Conditions keep
 * their lastTransitionTime while unchanged; PodScheduled (the scheduler's) is kept.
 */
export function podStatus(inputs: StatusInputs): Record<string, unknown> {
  const { pod, runtime, now } = inputs;
  const spec = podSpecOf(pod);
  const inits = spec.initContainers ?? [];
  const initialized = initDone(pod, runtime);
  const initStatuses = inits.map((c) => containerStatus(c, inputs, 'PodInitializing'));
  const statuses = spec.containers.map((c) => containerStatus(c, inputs, initialized ? 'ContainerCreating' : 'PodInitializing'));
  const phase = phaseOf(pod, statuses, initStatuses, initialized, inputs.terminating ?? false);
  const completed = phase === 'Succeeded';

  const sandboxReady = runtime.sandbox?.state === 'SANDBOX_READY' && !inputs.terminating && phase !== 'Succeeded' && phase !== 'Failed';
  const incomplete = inits.filter((c, i) => isSidecar(c) ? !initStatuses[i]!.started : !(initStatuses[i]!.state as { terminated?: { exitCode: number } }).terminated || (initStatuses[i]!.state as { terminated: { exitCode: number } }).terminated.exitCode !== 0);
  const unready = [...inits.filter((c, i) => isSidecar(c) && !initStatuses[i]!.ready), ...spec.containers.filter((_, i) => !statuses[i]!.ready)];
  const readyCondition = (type: string): Condition => completed
    ? { type, status: 'False', reason: 'PodCompleted' }
    : unready.length === 0
      ? { type, status: 'True' }
      : { type, status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.map((c) => c.name).join(' ')}]` };
  const wanted: Condition[] = [
    { type: 'PodReadyToStartContainers', status: sandboxReady ? 'True' : 'False' },
    initialized || incomplete.length === 0
      ? { type: 'Initialized', status: 'True', ...(completed && inits.length > 0 ? { reason: 'PodCompleted' } : {}) }
      : { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${incomplete.map((c) => c.name).join(' ')}]` },
    readyCondition('Ready'),
    readyCondition('ContainersReady'),
  ];

  const current = (pod.status ?? {}) as Record<string, unknown>;
  const previous = Array.isArray(current.conditions) ? (current.conditions as unknown[]).filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null) : [];
  const stamp = kubeTime(now);
  const conditions: Record<string, unknown>[] = wanted.map((c) => {
    const old = previous.find((p) => p.type === c.type);
    const lastTransitionTime = old && old.status === c.status && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : stamp;
    return { type: c.type, status: c.status, lastProbeTime: null, lastTransitionTime, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) };
  });
  const scheduled = previous.find((p) => p.type === 'PodScheduled');
  conditions.push(scheduled && scheduled.status === 'True' ? scheduled : { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: stamp });

  const startTime = typeof current.startTime === 'string' ? current.startTime : kubeTime(inputs.state.startTime ?? now);
  const status: Record<string, unknown> = {
    phase,
    conditions,
    hostIP: inputs.hostIP,
    hostIPs: [{ ip: inputs.hostIP }],
    startTime,
    containerStatuses: statuses,
  };
  const podIP = inputs.podIP ?? (typeof current.podIP === 'string' ? current.podIP : undefined);
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  if (inits.length > 0) status.initContainerStatuses = initStatuses;
  return status;
}

export const isTerminalPhase = (phase: unknown): boolean => phase === 'Succeeded' || phase === 'Failed';

const hasProbe = (probe: Probe | undefined): boolean => Boolean(probe?.exec || probe?.httpGet || probe?.tcpSocket || probe?.grpc);
