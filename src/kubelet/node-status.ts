import { arch, hostname, networkInterfaces, platform, release } from 'node:os';
import type { KubeObject } from '../api/types.js';
import { nodeConditions, type Pressure } from '../api/node-conditions.js';
import type { MachineSample } from './machine.js';

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

export function pressureOf(machine: MachineSample | undefined): Pressure {
  if (!machine) return { memory: false, disk: false };
  return {
    memory: machine.memoryAvailableBytes < evictionHard.memoryAvailableBytes,
    disk: machine.filesystemBytes > 0 && machine.filesystemAvailableBytes < machine.filesystemBytes * evictionHard.filesystemAvailableFraction,
  };
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
