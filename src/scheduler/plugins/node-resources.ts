// NodeResourcesFit (filter and LeastAllocated score) and NodeResourcesBalancedAllocation.
import type { NodeInfo, PodInfo } from '../cache.js';
import { MAX_NODE_SCORE, unschedulable, type FilterStatus } from './status.js';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
export const BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

/** Requests are compared in integer units (milli-cpu, bytes) as kube does, to avoid float drift. */
export function units(name: string, value: number): number {
  return Math.round(name === 'cpu' ? value * 1000 : value);
}

const FIRST = ['cpu', 'memory', 'ephemeral-storage'];

/** The pod's non-zero requests in checking order (cpu, memory, ephemeral-storage, then by name), in units. */
export function fitRequests(requests: Map<string, number>): Array<[string, number]> {
  const rest = [...requests.keys()].filter((n) => !FIRST.includes(n) && n !== 'pods').sort();
  const out: Array<[string, number]> = [];
  for (const name of [...FIRST, ...rest]) {
    const wanted = units(name, requests.get(name) ?? 0);
    if (wanted > 0) out.push([name, wanted]);
  }
  return out;
}

export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] {
  let reasons: string[] | undefined;
  const allowedPods = node.allocatable.get('pods') ?? 0;
  if (node.pods.size + (node.pods.has(pod.key) ? 0 : 1) > allowedPods) (reasons ??= []).push('Too many pods');
  for (const [name, wanted] of pod.fitRequests) {
    const free = (node.allocatableUnits.get(name) ?? 0) - (node.requestedUnits.get(name) ?? 0);
    if (wanted > free) (reasons ??= []).push(`Insufficient ${name}`);
  }
  return reasons ?? [];
}

export function nodeResourcesFitFilter(pod: PodInfo, node: NodeInfo): FilterStatus | null {
  const reasons = insufficientResources(pod, node);
  return reasons.length ? unschedulable(NODE_RESOURCES_FIT, ...reasons) : null;
}

function leastRequested(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** LeastAllocated over cpu and memory (weight 1 each), with non-zero default requests. */
export function leastAllocatedScore(pod: PodInfo, node: NodeInfo): number {
  const cpu = leastRequested(units('cpu', node.nonZeroRequested.cpu + pod.nonZero.cpu), units('cpu', node.allocatable.get('cpu') ?? 0));
  const memory = leastRequested(node.nonZeroRequested.memory + pod.nonZero.memory, units('memory', node.allocatable.get('memory') ?? 0));
  return Math.floor((cpu + memory) / 2);
}

/** BalancedAllocation: 100 × (1 − the spread of cpu and memory utilisation fractions). */
export function balancedAllocationScore(pod: PodInfo, node: NodeInfo): number {
  const fraction = (name: 'cpu' | 'memory'): number => {
    const capacity = node.allocatable.get(name) ?? 0;
    if (capacity <= 0) return 0;
    const requested = (node.requested.get(name) ?? 0) + (pod.requests.get(name) ?? 0);
    return Math.min(1, requested / capacity);
  };
  const std = Math.abs(fraction('cpu') - fraction('memory')) / 2;
  return Math.floor((1 - std) * MAX_NODE_SCORE);
}
