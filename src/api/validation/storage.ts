/**
 * Defaulting and validation of PersistentVolumes and StorageClasses, as kube-apiserver's
 * (pkg/apis/core/validation and pkg/apis/storage/validation) for the fields litekube uses.
 */
import type { FieldError, KubeObject, ResourceStrategy } from '../types.js';
import { arr, obj } from '../printing/values.js';
import { forbidden, immutable, notSupported, required } from './field-errors.js';
import { parseQuantity } from './quantity.js';
import { specOf } from './workloads.js';

const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const volumeReclaimPolicies = ['Delete', 'Recycle', 'Retain'];
const classReclaimPolicies = ['Delete', 'Retain'];
const bindingModes = ['Immediate', 'WaitForFirstConsumer'];
const volumeModes = ['Block', 'Filesystem'];
/** The volume sources litekube's kubelet can mount, plus the common ones a PV may name. */
const volumeSources = ['hostPath', 'local', 'nfs', 'csi', 'iscsi', 'fc', 'rbd', 'cephfs', 'flexVolume'];

function validateVolume(volume: KubeObject): FieldError[] {
  const spec = specOf(volume);
  if (!spec) return [required('spec', 'must specify a volume type')];
  const errors: FieldError[] = [];
  const modes = arr(spec.accessModes);
  if (modes.length === 0) errors.push(required('spec.accessModes'));
  for (const mode of modes) if (!accessModes.includes(mode as string)) errors.push(notSupported('spec.accessModes', mode, accessModes));
  if (modes.includes('ReadWriteOncePod') && modes.some((m) => m !== 'ReadWriteOncePod')) errors.push(forbidden('spec.accessModes', 'may not use ReadWriteOncePod with other access modes'));
  const capacity = obj(spec.capacity);
  if (Object.keys(capacity).length === 0) errors.push(required('spec.capacity'));
  if (!('storage' in capacity) || Object.keys(capacity).length > 1) errors.push(notSupported('spec.capacity', capacity, ['storage']));
  else if (!((parseQuantity(capacity.storage) ?? 0) > 0)) errors.push({ type: 'FieldValueInvalid', field: 'spec.capacity[storage]', value: capacity.storage, detail: 'must be greater than zero' });
  const policy = spec.persistentVolumeReclaimPolicy;
  if (typeof policy === 'string' && policy && !volumeReclaimPolicies.includes(policy)) errors.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, volumeReclaimPolicies));
  if (spec.volumeMode !== undefined && !volumeModes.includes(spec.volumeMode as string)) errors.push(notSupported('spec.volumeMode', spec.volumeMode, volumeModes));
  const sources = volumeSources.filter((s) => spec[s] !== undefined && spec[s] !== null);
  if (sources.length === 0) errors.push(required('spec', 'must specify a volume type'));
  for (const extra of sources.slice(1)) errors.push(forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  if (spec.hostPath !== undefined && !obj(spec.hostPath).path) errors.push(required('spec.hostPath.path'));
  if (spec.local !== undefined) {
    if (!obj(spec.local).path) errors.push(required('spec.local.path'));
    if (!obj(obj(spec.nodeAffinity).required).nodeSelectorTerms) errors.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  return errors;
}

export const persistentVolumeValidation: Partial<ResourceStrategy> = {
  defaults(volume) {
    const spec = specOf(volume);
    if (spec) {
      spec.persistentVolumeReclaimPolicy ??= 'Retain';
      spec.volumeMode ??= 'Filesystem';
    }
    // A new volume is Pending until the PV controller sees it (SetDefaults_PersistentVolume).
    const status = obj(volume.status);
    status.phase ??= 'Pending';
    volume.status = status;
  },
  validateCreate: validateVolume,
  validateUpdate(volume, old) {
    const errors = validateVolume(volume);
    const [spec, oldSpec] = [obj(volume.spec), obj(old.spec)];
    const sourceOf = (s: Record<string, unknown>): string => JSON.stringify(volumeSources.map((k) => s[k] ?? null));
    if (sourceOf(spec) !== sourceOf(oldSpec)) errors.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
    if (spec.volumeMode !== oldSpec.volumeMode) errors.push(immutable('volumeMode', spec.volumeMode));
    return errors;
  },
};

function validateClass(sc: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof sc.provisioner !== 'string' || !sc.provisioner) errors.push(required('provisioner'));
  if (typeof sc.reclaimPolicy === 'string' && !classReclaimPolicies.includes(sc.reclaimPolicy)) errors.push(notSupported('reclaimPolicy', sc.reclaimPolicy, classReclaimPolicies));
  if (!bindingModes.includes(sc.volumeBindingMode as string)) errors.push(notSupported('volumeBindingMode', sc.volumeBindingMode, bindingModes));
  return errors;
}

export const storageClassValidation: Partial<ResourceStrategy> = {
  defaults(sc) {
    sc.reclaimPolicy ??= 'Delete';
    sc.volumeBindingMode ??= 'Immediate';
  },
  validateCreate: validateClass,
  validateUpdate(sc, old) {
    const errors = validateClass(sc);
    if (JSON.stringify(sc.parameters ?? {}) !== JSON.stringify(old.parameters ?? {})) errors.push(forbidden('parameters', 'updates to parameters are forbidden.'));
    if (sc.provisioner !== old.provisioner) errors.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
    if (sc.reclaimPolicy !== old.reclaimPolicy) errors.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
    if (sc.volumeBindingMode !== old.volumeBindingMode) errors.push(immutable('volumeBindingMode', sc.volumeBindingMode));
    return errors;
  },
};
