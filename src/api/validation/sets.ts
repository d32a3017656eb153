import type { FieldError, KubeObject, ResourceStrategy } from '../types.js';
import { arr, obj, type Obj } from '../printing/values.js';
import { forbidden, invalidValue, notSupported, required } from './field-errors.js';
import { canonical } from './pod.js';
import { checkIntOrPercent, checkNonNegative, defaultTemplate, selectorImmutable, specOf, validateSelectorAndTemplate } from './workloads.js';
import { isDns1123Subdomain } from './names.js';

function ensure(parent: Obj, field: string): Obj {
  const value = parent[field];
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Obj;
  const created: Obj = {};
  parent[field] = created;
  return created;
}

function validateStatefulSet(object: KubeObject): FieldError[] {
  const spec = specOf(object);
  if (!spec) return [required('spec')];
  // Pods of a StatefulSet mount the claims its volumeClaimTemplates make (ValidateStatefulSetSpec).
  const claims = arr(spec.volumeClaimTemplates).map((c) => obj(obj(c).metadata).name).filter((n): n is string => typeof n === 'string');
  const errors = [...checkNonNegative(spec.replicas, 'spec.replicas'), ...validateSelectorAndTemplate(spec, 'StatefulSet', ['Always'], claims)];
  if (spec.podManagementPolicy !== undefined && spec.podManagementPolicy !== 'OrderedReady' && spec.podManagementPolicy !== 'Parallel') {
    errors.push(notSupported('spec.podManagementPolicy', spec.podManagementPolicy, ['OrderedReady', 'Parallel']));
  }
  const strategy = obj(spec.updateStrategy);
  if (strategy.type !== undefined && strategy.type !== 'RollingUpdate' && strategy.type !== 'OnDelete') {
    errors.push(notSupported('spec.updateStrategy.type', strategy.type, ['OnDelete', 'RollingUpdate']));
  }
  if (strategy.type === 'OnDelete' && strategy.rollingUpdate) errors.push(forbidden('spec.updateStrategy.rollingUpdate', "only allowed for updateStrategy 'RollingUpdate'"));
  errors.push(...checkNonNegative(obj(strategy.rollingUpdate).partition, 'spec.updateStrategy.rollingUpdate.partition'));
  if (typeof spec.serviceName === 'string' && spec.serviceName) {
    for (const e of isDns1123Subdomain(spec.serviceName)) errors.push(invalidValue('spec.serviceName', spec.serviceName, e));
  }
  arr(spec.volumeClaimTemplates).forEach((raw, i) => {
    const name = obj(obj(raw).metadata).name;
    if (!name) errors.push(required(`spec.volumeClaimTemplates[${i}].metadata.name`));
  });
  errors.push(...checkNonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errors;
}

/** The StatefulSet spec fields an update may change (ValidateStatefulSetUpdate). */
const statefulSetMutable = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'revisionHistoryLimit'];

export const statefulSetValidation: Partial<ResourceStrategy> = {
  defaults(object) {
    const spec = specOf(object);
    if (!spec) return;
    spec.replicas ??= 1;
    spec.podManagementPolicy ??= 'OrderedReady';
    const strategy = ensure(spec, 'updateStrategy');
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') ensure(strategy, 'rollingUpdate').partition ??= 0;
    spec.revisionHistoryLimit ??= 10;
    const retention = ensure(spec, 'persistentVolumeClaimRetentionPolicy');
    retention.whenDeleted ??= 'Retain';
    retention.whenScaled ??= 'Retain';
    for (const claim of arr(spec.volumeClaimTemplates)) {
      const claimSpec = obj(obj(claim).spec);
      claimSpec.volumeMode ??= 'Filesystem';
    }
    defaultTemplate(spec);
  },
  validateCreate: validateStatefulSet,
  validateUpdate(object, old) {
    const errors = validateStatefulSet(object);
    const spec = specOf(object);
    if (!spec) return errors;
    const strip = (s: Obj) => Object.fromEntries(Object.entries(s).filter(([k]) => !statefulSetMutable.includes(k)));
    if (canonical(strip(spec)) !== canonical(strip(obj(old.spec)))) {
      errors.push(forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
    }
    return errors;
  },
};

function validateDaemonSet(object: KubeObject): FieldError[] {
  const spec = specOf(object);
  if (!spec) return [required('spec')];
  const errors = validateSelectorAndTemplate(spec, 'DaemonSet');
  const strategy = obj(spec.updateStrategy);
  if (strategy.type !== undefined && strategy.type !== 'RollingUpdate' && strategy.type !== 'OnDelete') {
    errors.push(notSupported('spec.updateStrategy.type', strategy.type, ['OnDelete', 'RollingUpdate']));
  }
  const rolling = obj(strategy.rollingUpdate);
  errors.push(...checkIntOrPercent(rolling.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable'));
  errors.push(...checkIntOrPercent(rolling.maxSurge, 'spec.updateStrategy.rollingUpdate.maxSurge'));
  const zero = (v: unknown) => v === 0 || v === '0%';
  if (strategy.type === 'RollingUpdate' && zero(rolling.maxUnavailable) && zero(rolling.maxSurge ?? 0)) {
    errors.push(invalidValue('spec.updateStrategy.rollingUpdate.maxUnavailable', rolling.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  }
  errors.push(...checkNonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errors.push(...checkNonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errors;
}

export const daemonSetValidation: Partial<ResourceStrategy> = {
  defaults(object) {
    const spec = specOf(object);
    if (!spec) return;
    const strategy = ensure(spec, 'updateStrategy');
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const rolling = ensure(strategy, 'rollingUpdate');
      rolling.maxUnavailable ??= 1;
      rolling.maxSurge ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
    defaultTemplate(spec);
  },
  validateCreate: validateDaemonSet,
  validateUpdate: (object, old) => {
    const spec = specOf(object);
    return [...validateDaemonSet(object), ...(spec ? selectorImmutable(spec, obj(old.spec)) : [])];
  },
};

export { ensure };
