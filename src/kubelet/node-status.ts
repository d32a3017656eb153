import { arch, hostname, networkInterfaces, platform, release } from 'node:os';
import type { KubeObject } from '../api/types.js';
import type { MachineSample } from './machine.js';
import { kubeTime } from './util.js';

export const nodesRef = { apiVersion: 'v1', plural: 'nodes' };

export interface NodeCapacity {
  cpu: string;
  memory: string;
  pods: string;
}

export interface NodeFacts {
  name: string;
  podCIDR: string;
  nodeIP: string;
  capacity: NodeCapacity;
  /** `containerd://1.6.20`, from the runtime's version(). */
  containerRuntimeVersion: string;
}

const goArch = (): string => ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' } as Record<string, string>)[arch()] ?? arch();

/** The Node a kubelet registers (metadata and spec; status is written through nodes/status). */
export function nodeObject(facts: NodeFacts): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: facts.name,
      labels: {
        'beta.kubernetes.io/arch': goArch(),
        'beta.kubernetes.io/os': platform(),
        'kubernetes.io/arch': goArch(),
        'kubernetes.io/hostname': facts.name,
        'kubernetes.io/os': platform(),
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { podCIDR: facts.podCIDR, podCIDRs: [facts.podCIDR] },
  };
}

/** kubelet's default hard eviction thresholds: memory.available<100Mi, nodefs.available<10%. */
export const evictionHard = { memoryAvailableBytes: 100 * 2 ** 20, filesystemAvailableFraction: 0.1 };

/** What the machine's free memory and disk say about pressure. */
export interface Pressure {
  memory: boolean;
  disk: boolean;
}

export function pressureOf(machine: MachineSample | undefined): Pressure {
  if (!machine) return { memory: false, disk: false };
  return {
    memory: machine.memoryAvailableBytes < evictionHard.memoryAvailableBytes,
    disk: machine.filesystemBytes > 0 && machine.filesystemAvailableBytes < machine.filesystemBytes * evictionHard.filesystemAvailableFraction,
  };
}

/** kubelet's node conditions, keeping transition times of unchanged ones (as its setters do). */
export function nodeConditions(now: Date, previous: unknown[] = [], pressure: Pressure = { memory: false, disk: false }): Record<string, unknown>[] {
  const time = kubeTime(now);
  const wanted = [
    pressure.memory
      ? { type: 'MemoryPressure', status: 'True', reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' }
      : { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    pressure.disk
      ? { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' }
      : { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    // kubelet has no default PID eviction threshold: without one there is no PID pressure.
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  ];
  return wanted.map((condition) => {
    const old = previous.find((c): c is Record<string, unknown> => typeof c === 'object' && c !== null && (c as Record<string, unknown>).type === condition.type);
    const kept = old && old.status === condition.status && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : time;
    return { ...condition, lastHeartbeatTime: time, lastTransitionTime: kept };
  });
}

const kibibytes = (bytes: number): string => `${Math.floor(bytes / 1024)}Ki`;

/**
 * Capacity from the machine (memory in Ki as kubelet reports it, the kubelet filesystem as
 * ephemeral-storage), allocatable less the hard eviction thresholds. Without a sample (tests,
 * simulated nodes) the configured capacity stands.
 */
function resourcesOf(facts: NodeFacts, machine: MachineSample | undefined): { capacity: Record<string, string>; allocatable: Record<string, string> } {
  if (!machine) {
    const resources = { cpu: facts.capacity.cpu, memory: facts.capacity.memory, pods: facts.capacity.pods, 'ephemeral-storage': '100Gi', 'hugepages-2Mi': '0' };
    return { capacity: resources, allocatable: { ...resources } };
  }
  const capacity = { cpu: facts.capacity.cpu, memory: kibibytes(machine.memoryTotalBytes), pods: facts.capacity.pods, 'ephemeral-storage': kibibytes(machine.filesystemBytes), 'hugepages-2Mi': '0' };
  const allocatable = {
    ...capacity,
    memory: kibibytes(Math.max(0, machine.memoryTotalBytes - evictionHard.memoryAvailableBytes)),
    'ephemeral-storage': String(Math.floor(machine.filesystemBytes * (1 - evictionHard.filesystemAvailableFraction))),
  };
  return { capacity, allocatable };
}

export function nodeStatus(facts: NodeFacts, now: Date, previousConditions: unknown[] = [], machine?: MachineSample): Record<string, unknown> {
  return {
    ...resourcesOf(facts, machine),
    conditions: nodeConditions(now, previousConditions, pressureOf(machine)),
    addresses: [
      { type: 'InternalIP', address: facts.nodeIP },
      { type: 'Hostname', address: facts.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: machine?.machineID ?? '',
      systemUUID: machine?.systemUUID ?? '',
      bootID: machine?.bootID ?? '',
      kernelVersion: release(),
      osImage: machine?.osImage ?? `litekube node on ${hostname()}`,
      containerRuntimeVersion: facts.containerRuntimeVersion,
      kubeletVersion: 'v1.32.0',
      kubeProxyVersion: 'v1.32.0',
      operatingSystem: platform(),
      architecture: goArch(),
    },
  };
}

/** The first non-internal IPv4 address of this host (kubelet's default node IP), or loopback. */
export function defaultNodeIP(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
