import type { KubeObject } from '../api/types.js';
import { goDuration } from './backoff.js';
import type { ContainerStatus, PodSandboxConfig } from './cri/types.js';
import { containerKind } from './container-config.js';
import { killContainer } from './container-kill.js';
import { startContainer, type StartInputs } from './container-start.js';
import type { KubeletContext, PodState } from './context.js';
import { writeEtcHosts } from './etc-hosts.js';
import { formatPod } from './lifecycle-hooks.js';
import { isSidecar, podSpecOf, restartPolicyOf, type ContainerSpec } from './pod-spec.js';
import { observeRuntime, restartCountOf, type RuntimePod } from './runtime-view.js';
import { podDir, sandboxConfig } from './sandbox-config.js';
import { removeTerminationMessageFile } from './termination-message.js';
import { errorMessage } from './util.js';
import { setUpVolumes, VolumeError, type VolumePaths } from './volumes.js';

/** What one sync saw: the runtime's view after acting, and the pod's IP. */
export interface SyncOutcome {
  runtime: RuntimePod;
  podIP?: string;
}

/** What starting any of the pod's containers needs from this sync: its sandbox, volumes and files. */
type Running = Omit<StartInputs, 'pod' | 'state' | 'container' | 'kind' | 'restartCount'>;

/**
 * One pass of kubelet's SyncPod for a live pod: make sure it has a ready sandbox, its volumes,
 * its init containers in order (sidecars kept running) and then its app containers, restarting
 * exited ones per restart policy with crash-loop back-off. Returns what the runtime holds now.
 */
export async function syncPod(ctx: KubeletContext, pod: KubeObject, state: PodState, signal?: AbortSignal): Promise<SyncOutcome> {
  const uid = pod.metadata.uid ?? '';
  let runtime = await observeRuntime(ctx.runtime, uid);
  const hostNetwork = podSpecOf(pod).hostNetwork === true;
  const sandbox = await ensureSandbox(ctx, pod, runtime);
  if (!sandbox) return { runtime };
  if (sandbox.created) runtime = await observeRuntime(ctx.runtime, uid);
  const podIP = hostNetwork ? ctx.hostIP : runtime.sandbox?.network?.ip;
  state.startTime ??= ctx.now();

  const facts = { podIP, hostIP: ctx.hostIP, allocatable: ctx.allocatable };
  let volumes: VolumePaths;
  try {
    volumes = await setUpVolumes(pod, podDir(ctx.dataDir, uid), facts, ctx.read, ctx.tokens, state.volumesMounted === true);
    state.volumesMounted = true;
  } catch (error: unknown) {
    if (!(error instanceof VolumeError)) throw error;
    ctx.event(pod, 'Warning', 'FailedMount', error.message);
    return { runtime, podIP };
  }
  const etcHosts = hostNetwork ? undefined : await writeEtcHosts(pod, podDir(ctx.dataDir, uid), podIP, ctx.dns.clusterDomain);
  const run: Running = { sandboxId: sandbox.id, sandboxConfig: sandbox.config, podIP, volumes, etcHosts, signal };

  await killUnhealthy(ctx, pod, state, runtime, podIP);
  const acted = (await syncInitContainers(ctx, pod, state, runtime, run)) || (await syncAppContainers(ctx, pod, state, runtime, run));
  if (acted) runtime = await observeRuntime(ctx.runtime, uid);
  return { runtime, podIP };
}

/** Finds the pod's ready sandbox or makes a new one (attempt = sandboxes so far); old dead ones are removed. */
async function ensureSandbox(ctx: KubeletContext, pod: KubeObject, runtime: RuntimePod): Promise<{ id: string; config: PodSandboxConfig; created: boolean } | undefined> {
  const latest = runtime.sandboxes[0];
  if (latest && runtime.sandbox?.state === 'SANDBOX_READY') {
    return { id: latest.id, config: await sandboxConfig(pod, latest.metadata.attempt, ctx.dataDir, ctx.dns, ctx.cgroupParent), created: false };
  }
  // A Never pod whose sandbox died after its containers ran is not given a new one (kubelet's rule).
  const ran = [...runtime.containers.values()].some((list) => list.length > 0);
  if (latest && ran && restartPolicyOf(pod) === 'Never') return undefined;
  const config = await sandboxConfig(pod, latest ? latest.metadata.attempt + 1 : 0, ctx.dataDir, ctx.dns, ctx.cgroupParent);
  for (const old of runtime.sandboxes) {
    await ctx.runtime.stopPodSandbox(old.id).catch(() => undefined);
    await ctx.runtime.removePodSandbox(old.id).catch(() => undefined);
  }
  try {
    const id = await ctx.runtime.runPodSandbox(config, podSpecOf(pod).runtimeClassName);
    return { id, config, created: true };
  } catch (error: unknown) {
    ctx.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errorMessage(error)}`);
    return undefined;
  }
}

/** Containers whose liveness or startup probe failed are stopped; the restart logic then brings them back. */
async function killUnhealthy(ctx: KubeletContext, pod: KubeObject, state: PodState, runtime: RuntimePod, podIP: string | undefined): Promise<void> {
  if (state.unhealthy.size === 0) return;
  for (const [name, list] of runtime.containers) {
    const latest = list[0];
    const probe = latest && state.unhealthy.get(latest.id);
    if (!latest || !probe) continue;
    state.unhealthy.delete(latest.id);
    if (latest.state !== 'CONTAINER_RUNNING') continue;
    const message = `Container ${name} failed ${probe} probe, will be restarted`;
    const spec = [...podSpecOf(pod).containers, ...(podSpecOf(pod).initContainers ?? [])].find((c) => c.name === name);
    const probeGrace = (probe === 'liveness' ? spec?.livenessProbe : spec?.startupProbe)?.terminationGracePeriodSeconds;
    // A deletion's grace period still wins; otherwise the probe's own, as kubelet does.
    const gracePeriod = typeof pod.metadata.deletionGracePeriodSeconds === 'number' ? undefined : probeGrace;
    await killContainer(ctx, pod, name, latest.id, { message, podIP, ...(gracePeriod !== undefined ? { gracePeriod } : {}) }).catch((error: unknown) => ctx.log('stop container failed', { container: latest.id, error: errorMessage(error) }));
    latest.state = 'CONTAINER_EXITED';
  }
}

/**
 * Init containers, in order: a regular one must exit 0 before the next starts; a sidecar
 * (restartPolicy Always) is started and kept running. Returns true when it acted and the
 * pod is not initialized yet (app containers wait).
 */
async function syncInitContainers(ctx: KubeletContext, pod: KubeObject, state: PodState, runtime: RuntimePod, run: Running): Promise<boolean> {
  const spec = podSpecOf(pod);
  const appStarted = spec.containers.some((c) => (runtime.containers.get(c.name) ?? []).length > 0);
  for (const c of spec.initContainers ?? []) {
    if (run.signal?.aborted) return true;
    const latest = runtime.containers.get(c.name)?.[0];
    if (isSidecar(c)) {
      if (latest?.state === 'CONTAINER_RUNNING') continue;
      await startOrRestart(ctx, pod, state, c, latest, run, true);
      // The next init container waits until this sidecar has started.
      if (!appStarted) return true;
      continue;
    }
    if (appStarted) continue; // init already completed once; kubelet does not rerun it
    if (latest?.state === 'CONTAINER_EXITED' && latest.exitCode === 0) continue;
    if (latest?.state === 'CONTAINER_RUNNING') return true;
    if (latest?.state === 'CONTAINER_EXITED' && restartPolicyOf(pod) === 'Never') return true; // failed for good
    await startOrRestart(ctx, pod, state, c, latest, run, true);
    return true;
  }
  return false;
}

async function syncAppContainers(ctx: KubeletContext, pod: KubeObject, state: PodState, runtime: RuntimePod, run: Running): Promise<boolean> {
  const policy = restartPolicyOf(pod);
  let acted = false;
  for (const c of podSpecOf(pod).containers) {
    if (run.signal?.aborted) break; // the pod is being deleted: start nothing more
    const latest = runtime.containers.get(c.name)?.[0];
    if (latest?.state === 'CONTAINER_RUNNING') continue;
    if (latest?.state === 'CONTAINER_EXITED') {
      const restart = policy === 'Always' || (policy === 'OnFailure' && latest.exitCode !== 0);
      if (!restart) {
        // Done for good: its status is its exit, not why it once waited (a failed postStart).
        state.waiting.delete(c.name);
        continue;
      }
    }
    await startOrRestart(ctx, pod, state, c, latest, run, false);
    acted = true;
  }
  return acted;
}

/**
 * Starts the container's first instance, or its next one after an exit, honouring the
 * crash-loop back-off (kubelet's doBackOff): the first restart is immediate, each later one
 * waits 10 s, 20 s, … up to 5 min, meanwhile the container waits as CrashLoopBackOff.
 */
async function startOrRestart(ctx: KubeletContext, pod: KubeObject, state: PodState, c: ContainerSpec, latest: ContainerStatus | undefined, run: Running, init: boolean): Promise<void> {
  const podRef = formatPod(pod);
  if (latest?.state === 'CONTAINER_CREATED') {
    // Created but never started (a kubelet restart in between): start it now.
    await ctx.runtime.startContainer(latest.id).catch(() => undefined);
    return;
  }
  if (latest?.state === 'CONTAINER_EXITED') {
    const key = `${pod.metadata.uid ?? ''}/${c.name}`;
    const finishedAt = latest.finishedAt / 1e6;
    if (ctx.restartBackOff.isInBackOffSince(key, finishedAt)) {
      const delay = ctx.restartBackOff.delayOf(key);
      state.waiting.set(c.name, { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(delay)} restarting failed container=${c.name} pod=${podRef}` });
      ctx.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podRef}`);
      return;
    }
    ctx.restartBackOff.next(key, finishedAt);
  }
  const restartCount = latest ? restartCountOf(latest) + 1 : 0;
  const started = await startContainer(ctx, { pod, state, container: c, kind: containerKind(c, init), restartCount, ...run });
  if (started) await pruneDead(ctx, pod, c.name);
}

/** kubelet's container GC, per container: keep the newest instance and the one before it (lastState). */
async function pruneDead(ctx: KubeletContext, pod: KubeObject, name: string): Promise<void> {
  const runtime = await observeRuntime(ctx.runtime, pod.metadata.uid ?? '');
  for (const old of (runtime.containers.get(name) ?? []).slice(2)) {
    if (old.state !== 'CONTAINER_EXITED') continue;
    await ctx.runtime.removeContainer(old.id).catch(() => undefined);
    await removeTerminationMessageFile(old);
  }
}
