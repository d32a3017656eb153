import type { KubeObject } from '../api/types.js';
import type { KubeletContext } from './context.js';
import { runLifecycleHandler } from './lifecycle-hooks.js';
import { podSpecOf, type ContainerSpec } from './pod-spec.js';

/** kubelet always gives a container this long after SIGTERM, whatever the grace period says. */
export const minimumGracePeriodSeconds = 2;

/** The pod's grace period: the deletion's (metadata.deletionGracePeriodSeconds), else the spec's, else 30 s. */
export const gracePeriodOf = (pod: KubeObject): number => {
  const fromDelete = pod.metadata.deletionGracePeriodSeconds;
  if (typeof fromDelete === 'number') return fromDelete;
  return podSpecOf(pod).terminationGracePeriodSeconds ?? 30;
};

/** The spec of the pod's container (regular or init) with this name. */
export const containerSpecOf = (pod: KubeObject, name: string): ContainerSpec | undefined => {
  const spec = podSpecOf(pod);
  return [...spec.containers, ...(spec.initContainers ?? [])].find((c) => c.name === name);
};

export interface KillOptions {
  /** The Killing event's message (kubelet: "Stopping container NAME"). */
  message?: string;
  /** Seconds instead of the pod's grace period. */
  gracePeriod?: number;
  /** Record the Killing event and run the preStop hook (default true). */
  graceful?: boolean;
  /** The pod IP a preStop httpGet goes to (default: the status's). */
  podIP?: string;
}

/**
 * kubelet's killContainer: a Killing event, the preStop hook (if any) within the grace period,
 * then CRI StopContainer with what is left of it (SIGTERM, SIGKILL when it runs out), never
 * less than 2 s. A failed preStop is a FailedPreStopHook event; the container stops anyway.
 */
export async function killContainer(ctx: KubeletContext, pod: KubeObject, name: string, containerId: string, options: KillOptions = {}): Promise<void> {
  const graceful = options.graceful ?? true;
  const spec = containerSpecOf(pod, name);
  let grace = options.gracePeriod ?? gracePeriodOf(pod);
  if (graceful) ctx.event(pod, 'Normal', 'Killing', options.message ?? `Stopping container ${name}`);
  const preStop = spec?.lifecycle?.preStop;
  if (graceful && spec && preStop && grace > 0) {
    const started = Date.now();
    const podIP = options.podIP ?? ((pod.status as { podIP?: unknown } | undefined)?.podIP as string | undefined);
    const hook = runLifecycleHandler(ctx.runtime, { pod, container: spec, containerId, podIP }, preStop).then((failure) => {
      if (failure === undefined) return;
      ctx.log('preStop hook failed', { pod: `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`, container: name, error: failure });
      // kubelet leaves the message out of the event: it may carry secrets.
      ctx.event(pod, 'Warning', 'FailedPreStopHook', 'PreStopHook failed');
    });
    let timer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<void>((resolve) => (timer = setTimeout(resolve, grace * 1000)));
    await Promise.race([hook, outOfTime]);
    clearTimeout(timer);
    grace -= Math.floor((Date.now() - started) / 1000);
  }
  await ctx.runtime.stopContainer(containerId, Math.max(grace, minimumGracePeriodSeconds));
}
