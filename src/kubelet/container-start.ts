import type { KubeObject } from '../api/types.js';
import type { PodSandboxConfig } from './cri/types.js';
import { containerConfig, terminationMessagePathOf } from './container-config.js';
import { killContainer } from './container-kill.js';
import type { KubeletContext, PodState } from './context.js';
import { ContainerConfigError } from './downward.js';
import { containerEnv } from './env.js';
import { ensureImage } from './image-pull.js';
import { runLifecycleHandler } from './lifecycle-hooks.js';
import type { ContainerSpec } from './pod-spec.js';
import { podDir } from './sandbox-config.js';
import { serviceEnv } from './service-env.js';
import { createTerminationMessageFile } from './termination-message.js';
import { errorMessage } from './util.js';
import type { VolumePaths } from './volumes.js';

export interface StartInputs {
  pod: KubeObject;
  state: PodState;
  container: ContainerSpec;
  kind: 'init' | 'sidecar' | 'app';
  restartCount: number;
  sandboxId: string;
  sandboxConfig: PodSandboxConfig;
  podIP?: string;
  volumes: VolumePaths;
  etcHosts?: string;
  /** Aborts when the pod is being deleted: a postStart hook is no longer waited for. */
  signal?: AbortSignal;
}

/**
 * kubelet's startContainer: pull the image, build the config (env, mounts, the termination
 * message file), create and start the container, then run its postStart hook, with the
 * Created / Started / Failed events. A failure leaves the container's waiting reason in state
 * (ErrImagePull, CreateContainerConfigError, RunContainerError, PostStartHookError). Returns
 * whether a new instance was started (a failed postStart kills it again, to be restarted per
 * restart policy).
 */
export async function startContainer(ctx: KubeletContext, inputs: StartInputs): Promise<boolean> {
  const { pod, state, container: c } = inputs;
  if (!(await ensureImage(ctx, pod, state, c, inputs.sandboxConfig))) return false;
  let config;
  try {
    const facts = { podIP: inputs.podIP, hostIP: ctx.hostIP, allocatable: ctx.allocatable };
    const services = await serviceEnv(ctx.client, pod.metadata.namespace ?? 'default', !podEnablesServiceLinks(pod));
    const envs = await containerEnv(pod, c, facts, ctx.read, services);
    const terminationMessageFile = terminationMessagePathOf(c) ? await createTerminationMessageFile(podDir(ctx.dataDir, pod.metadata.uid ?? ''), c.name) : undefined;
    config = await containerConfig({
      pod, container: c, kind: inputs.kind, restartCount: inputs.restartCount, envs, volumes: inputs.volumes, etcHosts: inputs.etcHosts,
      terminationMessageFile, memoryCapacity: ctx.memoryCapacity, swapLimit: ctx.swapLimit,
    });
  } catch (error: unknown) {
    if (!(error instanceof ContainerConfigError)) throw error;
    state.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: error.message });
    ctx.event(pod, 'Warning', 'Failed', `Error: ${error.message}`);
    return false;
  }
  let id: string;
  try {
    id = await ctx.runtime.createContainer(inputs.sandboxId, config, inputs.sandboxConfig);
  } catch (error: unknown) {
    state.waiting.set(c.name, { reason: 'CreateContainerError', message: errorMessage(error) });
    ctx.event(pod, 'Warning', 'Failed', `Error: ${errorMessage(error)}`);
    return false;
  }
  ctx.event(pod, 'Normal', 'Created', `Created container: ${c.name}`);
  try {
    await ctx.runtime.startContainer(id);
  } catch (error: unknown) {
    state.waiting.set(c.name, { reason: 'RunContainerError', message: errorMessage(error) });
    ctx.event(pod, 'Warning', 'Failed', `Error: failed to start container "${c.name}": ${errorMessage(error)}`);
    return false;
  }
  state.waiting.delete(c.name);
  ctx.event(pod, 'Normal', 'Started', `Started container ${c.name}`);
  const postStart = c.lifecycle?.postStart;
  if (postStart) {
    const failure = await runLifecycleHandler(ctx.runtime, { pod, container: c, containerId: id, podIP: inputs.podIP }, postStart, inputs.signal);
    // A pod being deleted is torn down next; its hook's fate no longer matters.
    if (failure !== undefined && !inputs.signal?.aborted) {
      ctx.log('postStart hook failed', { pod: `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`, container: c.name, error: failure });
      // kubelet leaves the message out of the event: it may carry secrets.
      ctx.event(pod, 'Warning', 'FailedPostStartHook', 'PostStartHook failed');
      await killContainer(ctx, pod, c.name, id, { message: 'FailedPostStartHook', podIP: inputs.podIP })
        .catch((error: unknown) => ctx.log('stop container failed', { container: id, error: errorMessage(error) }));
      state.waiting.set(c.name, { reason: 'PostStartHookError', message: failure });
    }
  }
  return true;
}

const podEnablesServiceLinks = (pod: KubeObject): boolean => (pod.spec as { enableServiceLinks?: boolean } | undefined)?.enableServiceLinks !== false;
