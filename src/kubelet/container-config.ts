import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { podQosClass } from '../api/strategy/pods.js';
import type { KubeObject } from '../api/types.js';
import { parseQuantity } from '../api/validation/quantity.js';
import type { ContainerConfig, KeyValue, LinuxContainerResources, Mount } from './cri/types.js';
import { ContainerConfigError } from './downward.js';
import { expand } from './env.js';
import {
  containerKindAnnotation, containerNameLabel, podLabels, restartCountAnnotation, terminationGraceAnnotation, terminationMessagePathAnnotation,
  terminationMessagePolicyAnnotation,
} from './labels.js';
import { podSpecOf, isSidecar, type ContainerSpec, type VolumeMount } from './pod-spec.js';
import type { VolumePaths } from './volumes.js';

/** CFS period kubelet uses (100 ms) and the minimum cpu.shares the kernel accepts. */
const cpuPeriod = 100_000;
const minShares = 2;
/** kubelet's OOM score adjustments (pkg/kubelet/qos/policy.go). */
const guaranteedOomScoreAdj = -997;
const bestEffortOomScoreAdj = 1000;

export interface ContainerInputs {
  pod: KubeObject;
  container: ContainerSpec;
  kind: 'init' | 'sidecar' | 'app';
  restartCount: number;
  envs: KeyValue[];
  volumes: VolumePaths;
  /** The kubelet-managed /etc/hosts, when the pod has its own network. */
  etcHosts?: string;
  /** The host file mounted at terminationMessagePath (none when the path is empty). */
  terminationMessageFile?: string;
  /** The node's memory in bytes (Burstable containers' OOM score is relative to it). */
  memoryCapacity?: number;
  /** The host has a memory+swap limit (cgroup v1 memsw): set it to the memory limit, no swap. */
  swapLimit?: boolean;
}

/** The path the termination message is read from: the spec's, or the API default. */
export const terminationMessagePathOf = (c: ContainerSpec): string => c.terminationMessagePath ?? '/dev/termination-log';

/** Maps the container's spec to a CRI ContainerConfig, as kubelet's generateContainerConfig. */
export async function containerConfig(inputs: ContainerInputs): Promise<ContainerConfig> {
  const { pod, container, restartCount, envs } = inputs;
  const spec = podSpecOf(pod);
  const vars = new Map(envs.map((e) => [e.key, e.value]));
  const security = container.securityContext ?? {};
  const podSecurity = spec.securityContext ?? {};
  const runAsUser = security.runAsUser ?? podSecurity.runAsUser;
  const runAsGroup = security.runAsGroup ?? podSecurity.runAsGroup;
  return {
    metadata: { name: container.name, attempt: restartCount },
    image: { image: container.image },
    ...(container.command ? { command: container.command.map((a) => expand(a, vars)) } : {}),
    ...(container.args ? { args: container.args.map((a) => expand(a, vars)) } : {}),
    ...(container.workingDir ? { workingDir: container.workingDir } : {}),
    envs,
    mounts: await mounts(inputs),
    labels: { ...podLabels(pod), [containerNameLabel]: container.name },
    annotations: {
      [restartCountAnnotation]: String(restartCount),
      [containerKindAnnotation]: inputs.kind,
      [terminationGraceAnnotation]: String(spec.terminationGracePeriodSeconds ?? 30),
      [terminationMessagePathAnnotation]: terminationMessagePathOf(container),
      [terminationMessagePolicyAnnotation]: container.terminationMessagePolicy ?? 'File',
    },
    logPath: join(container.name, `${restartCount}.log`),
    stdin: container.stdin ?? false,
    stdinOnce: container.stdinOnce ?? false,
    tty: container.tty ?? false,
    linux: {
      resources: {
        ...linuxResources(container, inputs.swapLimit ?? false),
        oomScoreAdj: oomScoreAdjust(pod, container, inputs.memoryCapacity ?? 0),
      },
      securityContext: {
        ...(security.capabilities ? { capabilities: { addCapabilities: security.capabilities.add ?? [], dropCapabilities: security.capabilities.drop ?? [] } } : {}),
        privileged: security.privileged ?? false,
        ...(runAsUser !== undefined ? { runAsUser: { value: runAsUser } } : {}),
        ...(runAsGroup !== undefined ? { runAsGroup: { value: runAsGroup } } : {}),
        readonlyRootfs: security.readOnlyRootFilesystem ?? false,
        namespaceOptions: { network: spec.hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' },
      },
    },
  };
}

/**
 * requests.cpu → cpu.shares, limits.cpu → CFS quota, limits.memory → memory limit, and with
 * `swapLimit` memory+swap equal to it (kubelet's formulas; NoSwap on cgroup v1).
 */
export function linuxResources(container: ContainerSpec, swapLimit = false): LinuxContainerResources {
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const cpuLimit = parseQuantity(limits.cpu);
  // An unset request defaults to the limit (API defaulting); neither means the minimum share.
  const cpuRequest = parseQuantity(requests.cpu) ?? cpuLimit;
  const memoryLimit = parseQuantity(limits.memory);
  const out: LinuxContainerResources = {
    cpuShares: cpuRequest === undefined ? minShares : Math.max(minShares, Math.floor(Math.round(cpuRequest * 1000) * 1024 / 1000)),
  };
  if (cpuLimit !== undefined) {
    out.cpuPeriod = cpuPeriod;
    out.cpuQuota = Math.max(1000, Math.floor(Math.round(cpuLimit * 1000) * cpuPeriod / 1000));
  }
  if (memoryLimit !== undefined && memoryLimit > 0) {
    out.memoryLimitInBytes = Math.floor(memoryLimit);
    if (swapLimit) out.memorySwapLimitInBytes = out.memoryLimitInBytes;
  }
  return out;
}

/**
 * kubelet's GetContainerOOMScoreAdjust: Guaranteed pods -997, BestEffort 1000, Burstable
 * 1000 − 1000·request/capacity kept within 3…999, so the kernel's OOM killer picks
 * containers that use more than they asked for first.
 */
export function oomScoreAdjust(pod: KubeObject, container: ContainerSpec, memoryCapacity: number): number {
  const qos = podQosClass(pod);
  if (qos === 'Guaranteed') return guaranteedOomScoreAdj;
  if (qos === 'BestEffort') return bestEffortOomScoreAdj;
  // An unset request defaults to the limit (API defaulting), as for cpu.
  const request = parseQuantity(container.resources?.requests?.memory ?? container.resources?.limits?.memory) ?? 0;
  const adjust = memoryCapacity > 0 ? 1000 - Math.floor((1000 * request) / memoryCapacity) : 1000;
  if (adjust < 1000 + guaranteedOomScoreAdj) return 1000 + guaranteedOomScoreAdj;
  if (adjust === bestEffortOomScoreAdj) return adjust - 1;
  return adjust;
}

const propagation = (m: VolumeMount): Mount['propagation'] =>
  m.mountPropagation === 'Bidirectional' ? 'PROPAGATION_BIDIRECTIONAL' : m.mountPropagation === 'HostToContainer' ? 'PROPAGATION_HOST_TO_CONTAINER' : 'PROPAGATION_PRIVATE';

async function mounts(inputs: ContainerInputs): Promise<Mount[]> {
  const out: Mount[] = [];
  for (const m of inputs.container.volumeMounts ?? []) {
    const base = inputs.volumes.get(m.name);
    if (base === undefined) throw new ContainerConfigError(`cannot find volume "${m.name}" to mount into container "${inputs.container.name}"`);
    let hostPath = base;
    if (m.subPath) {
      if (m.subPath.split('/').includes('..') || m.subPath.startsWith('/')) throw new ContainerConfigError(`invalid subPath "${m.subPath}"`);
      hostPath = join(base, m.subPath);
      // A subPath of a directory volume that does not exist yet is created, as kubelet does.
      await mkdir(hostPath, { recursive: true }).catch(() => undefined);
    }
    out.push({ containerPath: m.mountPath, hostPath, readonly: m.readOnly ?? false, propagation: propagation(m) });
  }
  if (inputs.etcHosts && !out.some((m) => m.containerPath === '/etc/hosts')) {
    out.push({ containerPath: '/etc/hosts', hostPath: inputs.etcHosts, readonly: false });
  }
  if (inputs.terminationMessageFile) {
    out.push({ containerPath: terminationMessagePathOf(inputs.container), hostPath: inputs.terminationMessageFile, readonly: false });
  }
  return out;
}

export const containerKind = (c: ContainerSpec, init: boolean): 'init' | 'sidecar' | 'app' => (init ? (isSidecar(c) ? 'sidecar' : 'init') : 'app');
