import type { ContainerRuntime, ContainerStatus, PodSandbox, PodSandboxStatus } from './cri/types.js';
import { containerNameLabel, podUidLabel, restartCountAnnotation } from './labels.js';

/** What the runtime holds for one pod: its sandboxes (newest first) and containers by name (newest first). */
export interface RuntimePod {
  sandboxes: PodSandbox[];
  /** Status of the newest sandbox, if any. */
  sandbox?: PodSandboxStatus;
  containers: Map<string, ContainerStatus[]>;
}

/** Reads the pod's sandboxes and containers from the runtime by the pod-uid label (kubelet's relist). */
export async function observeRuntime(runtime: ContainerRuntime, uid: string): Promise<RuntimePod> {
  const selector = { labelSelector: { [podUidLabel]: uid } };
  const sandboxes = (await runtime.listPodSandbox(selector)).sort((a, b) => b.createdAt - a.createdAt || b.metadata.attempt - a.metadata.attempt);
  const sandbox = sandboxes[0] ? await runtime.podSandboxStatus(sandboxes[0].id).catch(() => undefined) : undefined;
  const containers = new Map<string, ContainerStatus[]>();
  for (const c of await runtime.listContainers(selector)) {
    const status = await runtime.containerStatus(c.id).catch(() => undefined);
    if (!status) continue;
    const name = c.labels[containerNameLabel] ?? c.metadata.name;
    containers.set(name, [...(containers.get(name) ?? []), status]);
  }
  for (const list of containers.values()) list.sort((a, b) => restartCountOf(b) - restartCountOf(a) || b.createdAt - a.createdAt);
  return { sandboxes, sandbox, containers };
}

/** A container instance's restart count, from kubelet's annotation (or the CRI attempt). */
export function restartCountOf(status: ContainerStatus): number {
  const raw = Number(status.annotations[restartCountAnnotation]);
  return Number.isInteger(raw) ? raw : status.metadata.attempt;
}
