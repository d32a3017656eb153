import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import type { EventRecorder } from '../client/events.js';
import type { PodIpPool } from './addresses.js';
import { simulatedRun } from './annotations.js';
import { errorMessage, statusCode } from './errors.js';
import { podContainers, podStatus, restartPolicyOf, type ContainerSpec, type PodRunState } from './pod-status.js';
import { Timers } from './timers.js';

export const podsRef = { apiVersion: 'v1', plural: 'pods' };

/** What a pod worker needs from the node it runs on. */
export interface PodWorkerContext {
  client: Client;
  recorder: EventRecorder;
  ips: PodIpPool;
  hostIP: string;
  startDelayMs: number;
  restartBackOffMs: number;
  now: () => Date;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

/** Pause before retrying a failed API write (the API server may be busy or restarting). */
const retryMs = 200;
/** Simulation is fast: deleted pods go after at most this long, whatever their grace period. */
const maxGraceMs = 100;

const parseTime = (value: unknown): Date | undefined => {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
};

/**
 * Plays kubelet for one pod: moves it through ContainerCreating → Running (→ Succeeded or
 * Failed for run-to-completion pods), reports status and events as kubelet 1.32 does, and
 * removes it once it is deleted. All timing is by unref'd timers; cancel() stops everything.
 */
export class PodWorker {
  private readonly timers = new Timers();
  private state: PodRunState | undefined;
  private cancelled = false;
  private killing = false;
  private writing: Promise<void> | undefined;
  private dirty = false;
  /** Events are recorded one after another so they list in kubelet's order (Pulled, Created, Started). */
  private events: Promise<void> = Promise.resolve();

  constructor(private pod: KubeObject, private readonly ctx: PodWorkerContext) {}

  get uid(): string {
    return this.pod.metadata.uid ?? '';
  }

  private get key(): string {
    return `${this.pod.metadata.namespace ?? ''}/${this.pod.metadata.name ?? ''}`;
  }

  /** Starts (or, after a restart of litekube or of the node, picks up) the pod's life. */
  begin(): void {
    const status = (this.pod.status ?? {}) as Record<string, unknown>;
    const phase = status.phase;
    if (this.pod.metadata.deletionTimestamp) {
      this.state = { stage: phase === 'Failed' ? 'failed' : phase === 'Succeeded' ? 'succeeded' : 'killed', hostIP: this.ctx.hostIP, startTime: parseTime(status.startTime) ?? this.ctx.now(), exitCode: 0, restartCount: 0 };
      this.kill();
      return;
    }
    if (phase === 'Succeeded' || phase === 'Failed') {
      // Finished before we saw it (or before a restart): nothing runs, nothing to report.
      this.state = { stage: phase === 'Succeeded' ? 'succeeded' : 'failed', hostIP: this.ctx.hostIP, startTime: parseTime(status.startTime) ?? this.ctx.now(), exitCode: 0, restartCount: 0 };
      return;
    }
    if (this.adoptRunning(status)) return;
    const now = this.ctx.now();
    this.state = { stage: 'creating', hostIP: this.ctx.hostIP, startTime: parseTime(status.startTime) ?? now, exitCode: 0, restartCount: 0 };
    this.flush();
    const { init } = podContainers(this.pod);
    if (init.length > 0) this.timers.after(this.ctx.startDelayMs, () => this.runInitContainers(), this.onError);
    else this.timers.after(this.ctx.startDelayMs, () => this.startContainers(), this.onError);
  }

  /** Hears the newest copy of the pod; a deletionTimestamp starts termination. */
  observe(pod: KubeObject): void {
    if (pod.metadata.uid !== this.pod.metadata.uid) return;
    this.pod = pod;
    if (pod.metadata.deletionTimestamp && !this.killing && !this.cancelled) this.kill();
  }

  /** Stops all timers and writes (the pod went away, or its node stopped). */
  cancel(): void {
    this.cancelled = true;
    this.timers.clear();
  }

  /** A pod already Running with an IP of this node keeps running where it was. */
  private adoptRunning(status: Record<string, unknown>): boolean {
    if (status.phase !== 'Running' || typeof status.podIP !== 'string') return false;
    const first = Array.isArray(status.containerStatuses) ? (status.containerStatuses[0] as Record<string, unknown> | undefined) : undefined;
    const running = (first?.state as Record<string, unknown> | undefined)?.running as Record<string, unknown> | undefined;
    if (!running || !this.ctx.ips.reserve(this.uid, status.podIP)) return false;
    const startedAt = parseTime(running.startedAt) ?? this.ctx.now();
    this.state = {
      stage: 'running',
      hostIP: this.ctx.hostIP,
      podIP: status.podIP,
      startTime: parseTime(status.startTime) ?? startedAt,
      initStartedAt: startedAt,
      initFinishedAt: startedAt,
      startedAt,
      exitCode: 0,
      restartCount: typeof first?.restartCount === 'number' ? first.restartCount : 0,
    };
    this.scheduleExit(startedAt);
    return true;
  }

  private runInitContainers(): void {
    const state = this.state;
    if (!state || this.cancelled || this.killing) return;
    const now = this.ctx.now();
    state.podIP = this.ctx.ips.allocate(this.uid);
    for (const c of podContainers(this.pod).init) this.containerStartedEvents(c);
    state.initStartedAt = now;
    state.initFinishedAt = now;
    state.stage = 'initialized';
    this.flush();
    this.timers.after(this.ctx.startDelayMs, () => this.startContainers(), this.onError);
  }

  private startContainers(): void {
    const state = this.state;
    if (!state || this.cancelled || this.killing) return;
    const now = this.ctx.now();
    state.podIP = this.ctx.ips.allocate(this.uid);
    state.stage = 'running';
    state.startedAt = now;
    state.finishedAt = undefined;
    for (const c of podContainers(this.pod).app) this.containerStartedEvents(c);
    this.flush();
    this.scheduleExit(now);
  }

  /** Run-to-completion pods exit after their simulated duration; Always pods run on. */
  private scheduleExit(startedAt: Date): void {
    if (restartPolicyOf(this.pod) === 'Always') return;
    const run = simulatedRun(this.pod);
    if (run.problem) this.ctx.log('simulated pod annotation ignored', { pod: this.key, problem: run.problem });
    const elapsed = this.ctx.now().getTime() - startedAt.getTime();
    this.timers.after(run.durationMs - elapsed, () => this.exit(), this.onError);
  }

  private exit(): void {
    const state = this.state;
    if (!state || this.cancelled || this.killing) return;
    const run = simulatedRun(this.pod);
    const now = this.ctx.now();
    if (run.exitCode === 0 || restartPolicyOf(this.pod) === 'Never') {
      state.stage = run.exitCode === 0 ? 'succeeded' : 'failed';
      state.exitCode = run.exitCode;
      state.finishedAt = now;
      // The sandbox is torn down: its IP may be reused (the status keeps showing it, as kube's does).
      this.ctx.ips.release(this.uid);
      this.flush();
      return;
    }
    // OnFailure with a failing exit: restart after a back-off, as kubelet does (doubling, capped).
    state.lastTermination = { exitCode: run.exitCode, reason: 'Error', startedAt: state.startedAt ?? now, finishedAt: now };
    state.restartCount++;
    state.stage = 'backoff';
    for (const c of podContainers(this.pod).app) {
      this.event('Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${this.pod.metadata.name ?? ''}_${this.pod.metadata.namespace ?? ''}(${this.uid})`);
    }
    this.flush();
    const backOff = this.ctx.restartBackOffMs * Math.min(2 ** (state.restartCount - 1), 16);
    this.timers.after(backOff, () => this.startContainers(), this.onError);
  }

  /** Deleted: stop the containers, report them terminated, then remove the pod for good. */
  private kill(): void {
    const state = this.state;
    if (!state) return;
    this.killing = true;
    this.timers.clear();
    if (state.stage !== 'succeeded' && state.stage !== 'failed') {
      if (state.stage === 'running' || state.stage === 'backoff') {
        for (const c of podContainers(this.pod).app) this.event('Normal', 'Killing', `Stopping container ${c.name}`);
      }
      state.stage = 'killed';
      state.exitCode = 0;
      state.finishedAt = this.ctx.now();
      this.flush();
    }
    const grace = this.pod.metadata.deletionGracePeriodSeconds;
    const delay = Math.min(typeof grace === 'number' && grace >= 0 ? grace * 1000 : maxGraceMs, maxGraceMs);
    this.timers.after(delay, () => this.remove(), this.onError);
  }

  private async remove(): Promise<void> {
    if (this.cancelled) return;
    await this.writing;
    if (this.cancelled) return;
    try {
      await this.ctx.client.delete(podsRef, this.pod.metadata.namespace, this.pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
    } catch (error: unknown) {
      const code = statusCode(error);
      if (code === 404 || code === 409) return; // already gone, or a new pod of the same name
      this.ctx.log('could not remove deleted simulated pod; retrying', { pod: this.key, error: errorMessage(error) });
      this.timers.after(retryMs, () => this.remove(), this.onError);
    }
  }

  private containerStartedEvents(c: ContainerSpec): void {
    this.event('Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
    this.event('Normal', 'Created', `Created container: ${c.name}`);
    this.event('Normal', 'Started', `Started container ${c.name}`);
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    const about = { apiVersion: 'v1', kind: 'Pod', metadata: this.pod.metadata };
    this.events = this.events.then(() => this.ctx.recorder.record(about, type, reason, message));
  }

  /** Writes the current status; writes coalesce, so a burst of transitions costs one or two. */
  private flush(): void {
    this.dirty = true;
    if (this.writing) return;
    this.writing = (async () => {
      try {
        while (this.dirty && !this.cancelled) {
          this.dirty = false;
          await this.writeStatus();
        }
      } finally {
        this.writing = undefined;
      }
    })();
  }

  private async writeStatus(): Promise<void> {
    const state = this.state;
    if (!state) return;
    const status = podStatus(this.pod, state, this.ctx.now());
    // The uid test makes the write miss a newer pod that reuses the name, as kubelet's uid precondition does.
    const patch = [{ op: 'test', path: '/metadata/uid', value: this.uid }, ...Object.entries(status).map(([field, value]) => ({ op: 'add', path: `/status/${field}`, value }))];
    try {
      const updated = await this.ctx.client.patch(podsRef, this.pod.metadata.namespace, this.pod.metadata.name ?? '', 'json', patch, { subresource: 'status', fieldManager: 'kubelet' });
      if (updated.metadata.uid === this.uid && !this.cancelled) this.observe(updated);
    } catch (error: unknown) {
      const code = statusCode(error);
      if (code === 404 || code === 409 || code === 422) return; // gone or replaced: its delete event will cancel us
      this.ctx.log('could not write simulated pod status; retrying', { pod: this.key, error: errorMessage(error) });
      this.timers.after(retryMs, () => this.flush(), this.onError);
    }
  }

  private readonly onError = (error: unknown): void => {
    this.ctx.log('simulated pod step failed', { pod: this.key, error: errorMessage(error) });
  };
}
