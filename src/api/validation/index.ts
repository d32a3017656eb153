import type { ResourceStrategy } from '../types.js';
import { cronJobValidation, jobValidation } from './batch.js';
import { configMapValidation, persistentVolumeClaimValidation, secretValidation, serviceValidation } from './core.js';
import { podValidation } from './pod.js';
import { priorityClassValidation } from './priority-class.js';
import { daemonSetValidation, statefulSetValidation } from './sets.js';
import { persistentVolumeValidation, storageClassValidation } from './storage.js';
import { deploymentValidation, replicaSetValidation } from './workloads.js';

export { causeMessage, formatFieldError, GoText } from './field-errors.js';
export { validateObjectMeta, validateObjectMetaUpdate, validateLabels } from './metadata.js';
export { parseQuantity } from './quantity.js';
export { pullPolicyFor } from './pod-defaults.js';
export { selectorMatches } from './selector.js';

/** Defaulting and validation per kind, keyed `group/Kind` (`core` for the core group). */
export const kindStrategies: Record<string, Partial<ResourceStrategy>> = {
  'core/Pod': podValidation,
  'core/Service': serviceValidation,
  'core/ConfigMap': configMapValidation,
  'core/Secret': secretValidation,
  'core/PersistentVolumeClaim': persistentVolumeClaimValidation,
  'core/PersistentVolume': persistentVolumeValidation,
  'storage.k8s.io/StorageClass': storageClassValidation,
  'apps/Deployment': deploymentValidation,
  'apps/ReplicaSet': replicaSetValidation,
  'apps/StatefulSet': statefulSetValidation,
  'apps/DaemonSet': daemonSetValidation,
  'batch/Job': jobValidation,
  'batch/CronJob': cronJobValidation,
  'scheduling.k8s.io/PriorityClass': priorityClassValidation,
};
