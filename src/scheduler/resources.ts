// Resource arithmetic for NodeResourcesFit: what a pod requests and what a node offers.
import { podResourceTotals } from '../api/pod-resources.js';
import { parseQuantity } from '../api/validation/index.js';
import type { Container, Node, Pod, Resources } from './types.js';

/** Requests assumed for scoring when a container states none (kube's non-zero defaults). */
export const DEFAULT_MILLI_CPU_REQUEST = 0.1;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

function quantities(list: Record<string, string | number> | undefined): Resources {
  const out: Resources = new Map();
  for (const [name, raw] of Object.entries(list ?? {})) {
    const value = parseQuantity(raw);
    if (value !== undefined) out.set(name, value);
  }
  return out;
}

/** A container's requests; a resource with only a limit requests its limit (API defaulting). */
export function containerRequests(container: Container): Resources {
  const requests = quantities(container.resources?.requests);
  for (const [name, value] of quantities(container.resources?.limits)) if (!requests.has(name)) requests.set(name, value);
  return requests;
}

/**
 * The pod's effective requests as kube computes them: the larger of the containers' sum
 * (plus sidecars, init containers with restartPolicy Always) and the largest init container
 * (each run beside the sidecars started before it), plus the pod overhead.
 */
export function podRequests(pod: Pod): Resources {
  return sumPod(pod, containerRequests);
}

/** resourcehelper.PodRequests with a per-container view of requests. */
function sumPod(pod: Pod, requestsOf: (c: Container) => Resources): Resources {
  const spec = pod.spec ?? {};
  return podResourceTotals(spec.containers ?? [], spec.initContainers ?? [], requestsOf, quantities(spec.overhead));
}

/** Cpu and memory as scoring counts them: containers without a request count the defaults. */
export function podNonZeroRequests(pod: Pod): { cpu: number; memory: number } {
  const sum = sumPod(pod, (c) => {
    const r = containerRequests(c);
    if (!r.has('cpu') || r.get('cpu') === 0) r.set('cpu', DEFAULT_MILLI_CPU_REQUEST);
    if (!r.has('memory') || r.get('memory') === 0) r.set('memory', DEFAULT_MEMORY_REQUEST);
    return r;
  });
  return { cpu: sum.get('cpu') ?? 0, memory: sum.get('memory') ?? 0 };
}

/** What the node offers: status.allocatable, or status.capacity when allocatable is unset. */
export function nodeAllocatable(node: Node): Resources {
  return quantities(node.status?.allocatable ?? node.status?.capacity);
}
