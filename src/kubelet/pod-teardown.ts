import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../api/types.js';
import { killContainer } from './container-kill.js';
import { forgetEtcHosts } from './etc-hosts.js';
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
  forgetEtcHosts(dir);
  tearDownVolumes(dir);
  await rm(dir, { recursive: true, force: true });
  await rm(podLogDir(ctx.dataDir, pod), { recursive: true, force: true });
}

/**
 * Removes pod directories (volumes, termination messages, logs) of pods this node no longer
 * has: left by a pod deleted while litekube was stopped, or a removal cut short. `keep` holds
 * the uids of pods still known or still with a sandbox (kubelet's cleanupOrphanedPodDirs).
 */
export async function removeOrphanedPodDirectories(ctx: KubeletContext, keep: Set<string>): Promise<string[]> {
  const root = join(ctx.dataDir, 'pods');
  const entries = await readdir(root).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of entries) {
    // <uid> holds volumes, <namespace>_<name>_<uid> holds logs.
    const uid = name.slice(name.lastIndexOf('_') + 1);
    if (!uid || keep.has(uid)) continue;
    const dir = join(root, name);
    try {
      tearDownVolumes(dir);
      await rm(dir, { recursive: true, force: true });
      removed.push(name);
    } catch (error: unknown) {
      ctx.log('cannot remove orphaned pod directory', { dir, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return removed;
}
