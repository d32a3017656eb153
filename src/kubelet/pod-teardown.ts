import { rm } from 'node:fs/promises';
import type { KubeObject } from '../api/types.js';
import { killContainer } from './container-kill.js';
import type { KubeletContext } from './context.js';
import { isSidecar, podSpecOf } from './pod-spec.js';
import { observeRuntime, type RuntimePod } from './runtime-view.js';
import { podDir, podLogDir } from './sandbox-config.js';
import { tearDownVolumes } from './volumes.js';

/**
 * Stops the pod's running containers with the grace period (preStop hooks, SIGTERM, then
 * SIGKILL from the runtime when the time is up), app containers first and sidecars after, as
 * kubelet's killPod does with its Killing events. `graceful` false skips events and hooks (a
 * pod found finished). Returns the runtime's view afterwards.
 */
export async function stopContainers(ctx: KubeletContext, pod: KubeObject, grace: number, graceful = true): Promise<RuntimePod> {
  const uid = pod.metadata.uid ?? '';
  const runtime = await observeRuntime(ctx.runtime, uid);
  const sidecars = new Set((podSpecOf(pod).initContainers ?? []).filter(isSidecar).map((c) => c.name));
  const running = [...runtime.containers].flatMap(([name, list]) => list.filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED').map((c) => ({ name, id: c.id })));
  for (const group of [running.filter((c) => !sidecars.has(c.name)), running.filter((c) => sidecars.has(c.name))]) {
    await Promise.all(group.map(async (c) => {
      await killContainer(ctx, pod, c.name, c.id, { gracePeriod: grace, graceful })
        .catch((error: unknown) => ctx.log('stop container failed', { container: c.id, error: String(error) }));
    }));
  }
  return running.length > 0 ? observeRuntime(ctx.runtime, uid) : runtime;
}

/** Stops the pod's sandboxes (the network goes), keeping them for a later removal. */
export async function stopSandboxes(ctx: KubeletContext, uid: string, runtime: RuntimePod): Promise<void> {
  for (const s of runtime.sandboxes) if (s.state === 'SANDBOX_READY') await ctx.runtime.stopPodSandbox(s.id).catch(() => undefined);
}

/** Removes the pod's sandboxes (with their containers) and its directories: nothing of it is left on the node. */
export async function removePodResources(ctx: KubeletContext, pod: KubeObject, runtime: RuntimePod): Promise<void> {
  for (const s of runtime.sandboxes) {
    await ctx.runtime.stopPodSandbox(s.id).catch(() => undefined);
    await ctx.runtime.removePodSandbox(s.id);
  }
  const dir = podDir(ctx.dataDir, pod.metadata.uid ?? '');
  tearDownVolumes(dir);
  await rm(dir, { recursive: true, force: true });
  await rm(podLogDir(ctx.dataDir, pod), { recursive: true, force: true });
}
