import type { KubeObject, ResourceDefinition } from '../../api/types.js';
import { badRequest, conflict, invalid } from '../errors.js';
import type { Registry } from './engine.js';
import { isRecord, timestamp } from './objects.js';
import type { WriteOptions, WriteResult } from './options.js';

/**
 * POST pods/{name}/binding: assigns a pending pod to a node (what the scheduler does).
 * A pod already bound, or being deleted, is a 409 as kube-apiserver answers.
 */
export async function bindPodToNode(registry: Registry, definition: ResourceDefinition, namespace: string | undefined, name: string, body: unknown, options: WriteOptions): Promise<WriteResult> {
  if (!isRecord(body)) throw badRequest('the body of the request must be a Binding object');
  const target = isRecord(body.target) ? body.target : {};
  const nodeName = typeof target.name === 'string' ? target.name : '';
  const bindingName = isRecord(body.metadata) && typeof body.metadata.name === 'string' ? body.metadata.name : name;
  if (bindingName !== name) throw badRequest(`the name of the object (${bindingName}) does not match the name on the URL (${name})`);
  if (!nodeName) {
    throw invalid('', 'Binding', name, [{ type: 'FieldValueRequired', field: 'target.name' }]);
  }
  if (target.kind !== undefined && target.kind !== '' && target.kind !== 'Node') {
    throw invalid('', 'Binding', name, [{ type: 'FieldValueNotSupported', field: 'target.kind', value: target.kind, supported: ['Node'] }]);
  }
  const gr = registry.gr(definition);
  return registry.guaranteedUpdate(definition, namespace, name, (current) => {
    const spec = isRecord(current.spec) ? current.spec : {};
    if (current.metadata.deletionTimestamp) throw conflict(gr, name, 'pod is being deleted, cannot be assigned to a host');
    if (typeof spec.nodeName === 'string' && spec.nodeName !== '') throw conflict(gr, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    const status = isRecord(current.status) ? current.status : {};
    const conditions = (Array.isArray(status.conditions) ? status.conditions : []).filter((c) => !(isRecord(c) && c.type === 'PodScheduled'));
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(registry.now()) });
    const bound: KubeObject = { ...current, spec: { ...spec, nodeName }, status: { ...status, conditions } };
    return bound;
    // The pod is rebuilt from its stored self: nothing unknown to warn about, and, as in kube,
    // binding records no managedFields entry.
  }, { ...options, fieldValidation: 'Ignore' }, 'binding', true);
}
