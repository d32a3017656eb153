/**
 * The StorageObjectInUseProtection admission plugin: every new claim gets the
 * kubernetes.io/pvc-protection finalizer and every new volume kubernetes.io/pv-protection, so
 * neither disappears while in use; the protection controllers remove them once it is safe.
 */
import type { KubeObject, ResourceDefinition } from '../../api/types.js';
import { pvcProtectionFinalizer, pvProtectionFinalizer } from '../../api/storage.js';

export function admitStorageObjectInUseProtection(definition: ResourceDefinition, object: KubeObject, old: KubeObject | undefined): void {
  if (old !== undefined || definition.group !== '') return;
  const finalizer = definition.kind === 'PersistentVolumeClaim' ? pvcProtectionFinalizer : definition.kind === 'PersistentVolume' ? pvProtectionFinalizer : undefined;
  if (!finalizer) return;
  const finalizers = object.metadata.finalizers ?? [];
  if (!finalizers.includes(finalizer)) object.metadata.finalizers = [...finalizers, finalizer];
}
