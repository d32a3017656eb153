import type { KubeObject } from '../api/types.js';
import { parseQuantity } from '../api/validation/quantity.js';
import { podSpecOf } from './pod-spec.js';

/** What the downward API can tell a container that is not in the pod object yet. */
export interface PodRuntimeFacts {
  podIP?: string;
  hostIP: string;
  /** Node allocatable, the default for limits a container does not set. */
  allocatable: { cpu: string; memory: string };
}

/** A container's config cannot be made (missing ConfigMap key, bad field path): CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

/** The value of a downward API fieldRef, as kubelet's podFieldSelectorRuntimeValue / ExtractFieldPathAsString. */
export function fieldValue(pod: KubeObject, fieldPath: string, facts: PodRuntimeFacts): string {
  const meta = pod.metadata;
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (keyed) return (keyed[1] === 'labels' ? meta.labels : meta.annotations)?.[keyed[2]!] ?? '';
  const spec = podSpecOf(pod);
  switch (fieldPath) {
    case 'metadata.name': return meta.name ?? '';
    case 'metadata.namespace': return meta.namespace ?? '';
    case 'metadata.uid': return meta.uid ?? '';
    case 'metadata.labels': return formatMap(meta.labels);
    case 'metadata.annotations': return formatMap(meta.annotations);
    case 'spec.nodeName': return spec.nodeName ?? '';
    case 'spec.serviceAccountName': return spec.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.hostIPs': return facts.hostIP;
    case 'status.podIP':
    case 'status.podIPs': return facts.podIP ?? '';
  }
  throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
}

/** `key="value"` lines sorted by key, as the downward API renders labels and annotations. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {}).sort().map((k) => `${k}=${JSON.stringify(map![k])}`).join('\n');
}

/** The value of a resourceFieldRef (limits default to node allocatable), rounded up in `divisor` units. */
export function resourceValue(pod: KubeObject, containerName: string, ref: { resource: string; divisor?: string | number }, facts: PodRuntimeFacts): string {
  const spec = podSpecOf(pod);
  const container = [...spec.containers, ...(spec.initContainers ?? [])].find((c) => c.name === containerName);
  if (!container) throw new ContainerConfigError(`container ${containerName} not found for resourceFieldRef`);
  const [kind, name] = ref.resource.split('.', 2) as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !name) throw new ContainerConfigError(`unsupported resource: ${ref.resource}`);
  const resources = container.resources ?? {};
  let raw = parseQuantity((kind === 'limits' ? resources.limits : resources.requests)?.[name]);
  // Unset limits mean "whatever the node has"; unset requests of CPU and memory default to 0.
  if (raw === undefined && kind === 'limits') raw = parseQuantity(name === 'cpu' ? facts.allocatable.cpu : name === 'memory' ? facts.allocatable.memory : undefined);
  const divisor = parseQuantity(ref.divisor ?? 1) || 1;
  return String(Math.ceil((raw ?? 0) / divisor));
}
