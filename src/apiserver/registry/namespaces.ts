import type { ResourceDefinition } from '../../api/types.js';
import { forbidden, notFound, StatusError } from '../errors.js';
import { objectKey, isRecord } from './objects.js';
import type { Registry } from './engine.js';

/** Namespaces that always exist and may not be deleted (NamespaceLifecycle admission). */
export const immortalNamespaces = ['default', 'kube-system', 'kube-public'];
/** Namespaces created at first start. */
export const initialNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * NamespaceLifecycle admission: new content needs an existing, non-terminating namespace.
 */
export async function admitNamespace(registry: Registry, definition: ResourceDefinition, namespace: string, operation: 'create'): Promise<void> {
  const namespaces = registry.definitionFor('', 'Namespace');
  if (!namespaces || operation !== 'create') return;
  const stored = await registry.store.get(objectKey(namespaces, undefined, namespace));
  if (!stored) throw notFound({ group: '', resource: 'namespaces' }, namespace);
  const object: unknown = JSON.parse(stored.value);
  const terminating = isRecord(object) && ((isRecord(object.metadata) && object.metadata.deletionTimestamp) || (isRecord(object.status) && object.status.phase === 'Terminating'));
  if (terminating) {
    const error = forbidden({ group: definition.group, resource: definition.plural }, '', `unable to create new content in namespace ${namespace} because it is being terminated`);
    throw new StatusError(error.code, error.reason, error.message, {
      ...error.details,
      causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
    });
  }
}

/** Refuses deleting the namespaces a cluster cannot live without. */
export function admitNamespaceDelete(definition: ResourceDefinition, name: string): void {
  if (definition.group === '' && definition.kind === 'Namespace' && immortalNamespaces.includes(name)) {
    throw forbidden({ group: '', resource: 'namespaces' }, name, 'this namespace may not be deleted');
  }
}
