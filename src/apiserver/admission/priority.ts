/**
 * The Priority admission plugin: a pod's spec.priorityClassName becomes spec.priority and
 * spec.preemptionPolicy from its PriorityClass; pods without one take the global default
 * class's value, or 0.
 */
import type { KubeObject, ResourceDefinition } from '../../api/types.js';
import { StatusError } from '../errors.js';
import type { Registry } from '../registry/engine.js';
import { decodeStored, listPrefix } from '../registry/objects.js';

/** The classes every cluster has (scheduling.k8s.io's SystemPriorityClasses). */
export const systemPriorityClasses = [
  { name: 'system-node-critical', value: 2_000_001_000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: 2_000_000_000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export async function admitPriority(registry: Registry, definition: ResourceDefinition, pod: KubeObject, old: KubeObject | undefined): Promise<void> {
  if (old !== undefined || definition.group !== '' || definition.kind !== 'Pod' || !isRecord(pod.spec)) return;
  const classes = registry.definitionFor('scheduling.k8s.io', 'PriorityClass');
  if (!classes) return;
  const spec = pod.spec;
  const name = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
  let chosen: KubeObject | undefined;
  if (name) {
    chosen = (await registry.read(classes, undefined, name))?.object;
    if (!chosen) throw new StatusError(403, 'Forbidden', `pods "${pod.metadata.name ?? ''}" is forbidden: no PriorityClass with name ${name} was found`);
  } else {
    const listed = await registry.store.list(listPrefix(classes, undefined));
    chosen = listed.items.map((stored) => decodeStored(classes, stored)).find((c) => c.globalDefault === true);
  }
  if (!chosen) return;
  spec.priority = typeof chosen.value === 'number' ? chosen.value : 0;
  spec.preemptionPolicy = typeof chosen.preemptionPolicy === 'string' ? chosen.preemptionPolicy : 'PreemptLowerPriority';
}
