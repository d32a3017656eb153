/**
 * The DefaultStorageClass admission plugin: a claim created without spec.storageClassName (the
 * field absent, not "") gets the default StorageClass's name; with no default it stays unset.
 */
import type { KubeObject, ResourceDefinition } from '../../api/types.js';
import { defaultClass, type StorageClass } from '../../api/storage.js';
import type { Registry } from '../registry/engine.js';
import { decodeStored, isRecord, listPrefix } from '../registry/objects.js';

export async function admitDefaultStorageClass(registry: Registry, definition: ResourceDefinition, claim: KubeObject, old: KubeObject | undefined): Promise<void> {
  if (old !== undefined || definition.group !== '' || definition.kind !== 'PersistentVolumeClaim' || !isRecord(claim.spec)) return;
  if (claim.spec.storageClassName !== undefined && claim.spec.storageClassName !== null) return;
  const classes = registry.definitionFor('storage.k8s.io', 'StorageClass');
  if (!classes) return;
  const listed = await registry.store.list(listPrefix(classes, undefined));
  const chosen = defaultClass(listed.items.map((stored) => decodeStored(classes, stored) as StorageClass));
  if (chosen?.metadata.name) claim.spec.storageClassName = chosen.metadata.name;
}
