import type { KubeObject } from '../api/types.js';
import { newPodState, type KubeletContext, type PodState } from './context.js';
import { gracePeriodOf } from './container-kill.js';
import { syncPod } from './pod-sync.js';
import { isTerminalPhase, podStatus } from './pod-status.js';
import { podKey } from './pod-spec.js';
import { removePodResources, stopContainers, stopSandboxes } from './pod-teardown.js';
import type { ProbeManager } from './probes.js';
import type { RuntimePod } from './runtime-view.js';
import { addTerminationMessages } from './termination-message.js';
import { errorMessage, jsonEqual, statusCode } from './util.js';

export const podsRef = { apiVersion: 'v1', plural: 'pods' };

/**
 * Runs one pod's syncs one at a time (kubelet's pod worker): each trigger asks for another
 * pass; passes never overlap and a burst of triggers costs at most one extra pass. A pass
 * syncs a live pod, finishes a terminal one, or tears down and removes a deleted one.
 */
export class PodWorker {
  readonly state: PodState = newPodState();
  private running: Promise<void> | undefined;
  private again = false;
  private cancelled = false;
  private finished = false;
  /** Aborted when a deletion is seen: a sync pass waiting on a postStart hook lets go. */
  private sync = new AbortController();

  constructor(private pod: KubeObject, private readonly ctx: KubeletContext, private readonly probes: ProbeManager) {}

  get uid(): string {
    return this.pod.metadata.uid ?? '';
  }

  /** Hears a newer copy of the pod and syncs it. */
  observe(pod: KubeObject): void {
    if (pod.metadata.uid !== this.uid) return;
    this.pod = pod;
    if (pod.metadata.deletionTimestamp) this.sync.abort();
    this.trigger();
  }

  trigger(): void {
    if (this.cancelled || this.finished) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Stops syncing (the pod is gone from the API); an in-flight pass completes. Resolves when idle. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    this.sync.abort();
    this.probes.forget(this.uid);
    await this.running;
  }

  /** Resolves once no pass is running. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.syncOnce();
      } catch (error: unknown) {
        this.ctx.log('pod sync failed', { pod: podKey(this.pod), error: errorMessage(error) });
      }
    } while (this.again && !this.cancelled && !this.finished);
  }

  private async syncOnce(): Promise<void> {
    const pod = this.pod;
    if (pod.metadata.deletionTimestamp) return this.terminate(pod);
    if (this.state.terminalStatus) return;
    if (isTerminalPhase((pod.status as { phase?: unknown } | undefined)?.phase)) {
      // Finished before we saw it (e.g. before a kubelet restart): make sure nothing runs.
      this.state.terminalStatus = pod.status as Record<string, unknown>;
      const runtime = await stopContainers(this.ctx, pod, 0, false);
      await stopSandboxes(this.ctx, this.uid, runtime);
      return;
    }
    if (this.sync.signal.aborted) this.sync = new AbortController();
    const outcome = await syncPod(this.ctx, pod, this.state, this.sync.signal);
    if (this.cancelled) return;
    this.probes.track(pod, this.state, outcome.runtime, outcome.podIP, () => this.trigger());
    const status = await this.status(pod, outcome.runtime, outcome.podIP);
    if (isTerminalPhase(status.phase)) {
      // Succeeded or Failed for good: what is still running (sidecars) stops, the sandbox goes down.
      this.state.terminalStatus = status;
      this.probes.forget(this.uid);
      const runtime = await stopContainers(this.ctx, pod, gracePeriodOf(pod));
      await stopSandboxes(this.ctx, this.uid, runtime);
    }
    await this.writeStatus(status);
  }

  /** Deleted: stop containers with the grace period, report the final status, remove everything, then the pod. */
  private async terminate(pod: KubeObject): Promise<void> {
    this.probes.forget(this.uid);
    const runtime = await stopContainers(this.ctx, pod, gracePeriodOf(pod));
    const status = this.state.terminalStatus ?? (await this.status(pod, runtime, undefined, true));
    await this.writeStatus(status);
    await removePodResources(this.ctx, pod, runtime);
    this.ctx.restartBackOff.forgetPrefix(`${this.uid}/`);
    this.ctx.pullBackOff.forgetPrefix(`${this.uid}/`);
    try {
      await this.ctx.client.delete(podsRef, pod.metadata.namespace, pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
    } catch (error: unknown) {
      const code = statusCode(error);
      if (code !== 404 && code !== 409) throw error;
    }
    this.finished = true;
  }

  /** The pod's status from what the runtime holds, with exited containers' termination messages. */
  private async status(pod: KubeObject, runtime: RuntimePod, podIP: string | undefined, terminating = false): Promise<Record<string, unknown>> {
    await addTerminationMessages(runtime);
    return podStatus({ pod, runtime, state: this.state, hostIP: this.ctx.hostIP, podIP, runtimeName: this.ctx.runtimeName, now: this.ctx.now(), terminating });
  }

  /** Writes the status through pods/status when it differs from what the API holds. */
  private async writeStatus(status: Record<string, unknown>): Promise<void> {
    const current = (this.pod.status ?? {}) as Record<string, unknown>;
    if (Object.entries(status).every(([field, value]) => jsonEqual(current[field], value))) return;
    // The uid test makes the write miss a newer pod that reuses the name, as kubelet's uid precondition does.
    const patch = [{ op: 'test', path: '/metadata/uid', value: this.uid }, ...Object.entries(status).map(([field, value]) => ({ op: 'add', path: `/status/${field}`, value }))];
    try {
      const updated = await this.ctx.client.patch(podsRef, this.pod.metadata.namespace, this.pod.metadata.name ?? '', 'json', patch, { subresource: 'status', fieldManager: 'kubelet' });
      if (updated.metadata.uid === this.uid) this.pod = updated;
    } catch (error: unknown) {
      const code = statusCode(error);
      if (code === 404 || code === 409 || code === 422) return; // gone or replaced
      throw error;
    }
  }
}
