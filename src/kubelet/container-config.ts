import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../api/types.js';
import { parseQuantity } from '../api/validation/quantity.js';
import type { ContainerConfig, KeyValue, Mount } from './cri/types.js';
import { ContainerConfigError } from './downward.js';
import { expand } from './env.js';
import { containerKindAnnotation, containerNameLabel, podLabels, restartCountAnnotation, terminationGraceAnnotation } from './labels.js';
import { podSpecOf, isSidecar, type ContainerSpec, type VolumeMount } from './pod-spec.js';
import type { VolumePaths } from './volumes.js';

/** CFS period kubelet uses (100 ms) and the minimum cpu.shares the kernel accepts. */
const cpuPeriod = 100_000;
const minShares = 2;

export interface ContainerInputs {
  pod: KubeObject;
  container: ContainerSpec;
  kind: 'init' | 'sidecar' | 'app';
  restartCount: number;
  envs: KeyValue[];
  volumes: VolumePaths;
  /** The kubelet-managed /etc/hosts, when the pod has its own network. */
  etcHosts?: string;
}

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
      'io.kubernetes.container.terminationMessagePath': container.terminationMessagePath ?? '/dev/termination-log',
    },
    logPath: join(container.name, `${restartCount}.log`),
    stdin: container.stdin ?? false,
    stdinOnce: container.stdinOnce ?? false,
    tty: container.tty ?? false,
    linux: {
      resources: linuxResources(container),
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

/** requests.cpu → cpu.shares, limits.cpu → CFS quota, limits.memory → memory limit (kubelet's formulas). */
export function linuxResources(container: ContainerSpec): { cpuPeriod?: number; cpuQuota?: number; cpuShares: number; memoryLimitInBytes?: number } {
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const cpuLimit = parseQuantity(limits.cpu);
  // An unset request defaults to the limit (API defaulting); neither means the minimum share.
  const cpuRequest = parseQuantity(requests.cpu) ?? cpuLimit;
  const memoryLimit = parseQuantity(limits.memory);
  const out: { cpuPeriod?: number; cpuQuota?: number; cpuShares: number; memoryLimitInBytes?: number } = {
    cpuShares: cpuRequest === undefined ? minShares : Math.max(minShares, Math.floor(Math.round(cpuRequest * 1000) * 1024 / 1000)),
  };
  if (cpuLimit !== undefined) {
    out.cpuPeriod = cpuPeriod;
    out.cpuQuota = Math.max(1000, Math.floor(Math.round(cpuLimit * 1000) * cpuPeriod / 1000));
  }
  if (memoryLimit !== undefined) out.memoryLimitInBytes = Math.floor(memoryLimit);
  return out;
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
  return out;
}

export const containerKind = (c: ContainerSpec, init: boolean): 'init' | 'sidecar' | 'app' => (init ? (isSidecar(c) ? 'sidecar' : 'init') : 'app');
