import { nodeConditions } from '../api/node-conditions.js';
import type { KubeObject } from '../api/types.js';
import { internalIpFor, podCidrFor } from './addresses.js';

export const nodesRef = { apiVersion: 'v1', plural: 'nodes' };

export interface NodeCapacity {
  cpu: string;
  memory: string;
  pods: string;
}

export const defaultCapacity: NodeCapacity = { cpu: '4', memory: '8Gi', pods: '110' };

/** The Node object a kubelet registers (spec and metadata; status is written separately). */
export function nodeObject(name: string, index: number): KubeObject {
  const cidr = podCidrFor(index);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        type: 'simulated',
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { podCIDR: cidr, podCIDRs: [cidr] },
  };
}

/** The full node status of a healthy simulated node. */
export function nodeStatus(name: string, index: number, capacity: NodeCapacity, now: Date, previousConditions: unknown[] = []): Record<string, unknown> {
  const resources = { cpu: capacity.cpu, memory: capacity.memory, pods: capacity.pods, 'ephemeral-storage': '100Gi', 'hugepages-2Mi': '0' };
  return {
    capacity: resources,
    allocatable: { ...resources },
    conditions: nodeConditions(now, previousConditions),
    addresses: [
      { type: 'InternalIP', address: internalIpFor(index) },
      { type: 'Hostname', address: name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: machineId(name),
      systemUUID: machineId(`uuid-${name}`).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
      bootID: machineId(`boot-${name}`).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
      kernelVersion: '6.8.0-simulated',
      osImage: 'litekube simulated node',
      containerRuntimeVersion: 'simulated://1.0',
      kubeletVersion: 'v1.32.0',
      kubeProxyVersion: 'v1.32.0',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
    images: [],
  };
}

/** A stable 32-hex-digit id from a name (FNV-1a, repeated): looks like /etc/machine-id, no crypto needed. */
function machineId(seed: string): string {
  let out = '';
  for (let round = 0; out.length < 32; round++) {
    let hash = 0x811c9dc5 ^ round;
    for (let i = 0; i < seed.length; i++) {
      hash ^= seed.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    out += hash.toString(16).padStart(8, '0');
  }
  return out.slice(0, 32);
}
