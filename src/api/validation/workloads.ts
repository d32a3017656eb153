import type { FieldError, KubeObject, ResourceStrategy } from '../types.js';
import { obj, type Obj } from '../printing/values.js';
import { forbidden, GoText, immutable, invalidValue, notSupported, required } from './field-errors.js';
import { canonical } from './pod.js';
import { defaultPodSpec } from './pod-defaults.js';
import { templateLabels, validatePodTemplate } from './pod-spec.js';
import { goLabelSelector, selectorIsEmpty, selectorMatches, validateLabelSelector } from './selector.js';

const nonNegative = 'must be greater than or equal to 0';

/** spec of an object as a record, created when absent so defaults can fill it. */
export function specOf(object: KubeObject): Obj | undefined {
  const spec = object.spec;
  return spec && typeof spec === 'object' && !Array.isArray(spec) ? (spec as Obj) : undefined;
}

export function defaultTemplate(spec: Obj): void {
  const template = spec.template;
  if (template && typeof template === 'object') {
    const t = template as Obj;
    if (t.spec && typeof t.spec === 'object' && !Array.isArray(t.spec)) defaultPodSpec(t.spec as Obj);
  }
}

export function checkNonNegative(value: unknown, field: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return [invalidValue(field, value, nonNegative)];
  return [];
}

/** An IntOrString that must be a non-negative integer or a percentage up to 100%. */
export function checkIntOrPercent(value: unknown, field: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'number') return checkNonNegative(value, field);
  if (typeof value !== 'string' || !/^[0-9]+%$/.test(value)) return [invalidValue(field, value, 'a valid percent string must be a numeric string followed by an ending \'%\' (e.g. \'1%\',  or \'93%\', regex used for validation is \'[0-9]+%\')')];
  if (Number(value.slice(0, -1)) > 100) return [invalidValue(field, value, 'must not be greater than 100%')];
  return [];
}

const isZero = (value: unknown) => value === 0 || value === '0%';

/**
 * The selector and template checks every pod controller makes: selector present and not
 * empty, template labels matched, restartPolicy Always, no activeDeadlineSeconds.
 */
export function validateSelectorAndTemplate(spec: Obj, kindName: string, restartPolicies = ['Always'], providedVolumes: string[] = []): FieldError[] {
  const errors: FieldError[] = [];
  const missing = spec.selector === undefined || spec.selector === null;
  let broken = false;
  if (missing) {
    errors.push(required('spec.selector'));
  } else {
    const selectorErrors = validateLabelSelector(spec.selector, 'spec.selector');
    errors.push(...selectorErrors);
    // LabelSelectorAsSelector fails on what validation rejected; kube then skips the template match.
    broken = selectorErrors.length > 0;
    // Kubernetes names the kind as ReplicaSet validation does: ReplicaSets say "deployment" too.
    const emptyKind = kindName === 'StatefulSet' ? 'statefulset' : kindName === 'DaemonSet' ? 'daemonset' : 'deployment';
    if (selectorIsEmpty(spec.selector)) errors.push(invalidValue('spec.selector', new GoText(goLabelSelector(spec.selector)), `empty selector is invalid for ${emptyKind}`));
    if (broken && kindName !== 'DaemonSet') errors.push(invalidValue('spec.selector', new GoText(goLabelSelector(spec.selector)), kindName === 'StatefulSet' ? '' : 'invalid label selector'));
  }
  if (spec.template === undefined || spec.template === null) {
    errors.push(required('spec.template'));
    return errors;
  }
  const labels = templateLabels(spec.template);
  // A missing selector converts to labels.Nothing(), which matches no template either.
  if (!broken && (missing || (!selectorIsEmpty(spec.selector) && !selectorMatches(spec.selector, labels)))) {
    errors.push(invalidValue('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  errors.push(...validatePodTemplate(spec.template, 'spec.template', restartPolicies, providedVolumes));
  const templateSpec = obj(obj(spec.template).spec);
  if (templateSpec.activeDeadlineSeconds !== undefined && templateSpec.activeDeadlineSeconds !== null && restartPolicies.includes('Always')) {
    // Deployments share ValidatePodTemplateSpecForReplicaSet, whose message names ReplicaSet.
    const owner = kindName === 'Deployment' ? 'ReplicaSet' : kindName;
    errors.push(forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${owner} is not Supported`));
  }
  return errors;
}

export function selectorImmutable(spec: Obj, oldSpec: Obj): FieldError[] {
  if (canonical(spec.selector ?? null) === canonical(oldSpec.selector ?? null)) return [];
  return [immutable('spec.selector', new GoText(goLabelSelector(spec.selector)))];
}

function validateDeployment(object: KubeObject): FieldError[] {
  const spec = specOf(object);
  if (!spec) return [required('spec')];
  const errors = [...checkNonNegative(spec.replicas, 'spec.replicas'), ...validateSelectorAndTemplate(spec, 'Deployment')];
  const strategy = obj(spec.strategy);
  const type = strategy.type;
  if (type !== undefined && type !== 'Recreate' && type !== 'RollingUpdate') errors.push(notSupported('spec.strategy.type', type, ['Recreate', 'RollingUpdate']));
  if (type === 'Recreate' && strategy.rollingUpdate) errors.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  if (type === 'RollingUpdate' || type === undefined) {
    const rolling = obj(strategy.rollingUpdate);
    errors.push(...checkIntOrPercent(rolling.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable'));
    errors.push(...checkIntOrPercent(rolling.maxSurge, 'spec.strategy.rollingUpdate.maxSurge'));
    if (isZero(rolling.maxUnavailable) && isZero(rolling.maxSurge)) {
      errors.push(invalidValue('spec.strategy.rollingUpdate.maxUnavailable', rolling.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
    }
  }
  errors.push(...checkNonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  errors.push(...checkNonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  const deadline = spec.progressDeadlineSeconds;
  errors.push(...checkNonNegative(deadline, 'spec.progressDeadlineSeconds'));
  if (typeof deadline === 'number' && typeof spec.minReadySeconds === 'number' && deadline <= spec.minReadySeconds) {
    errors.push(invalidValue('spec.progressDeadlineSeconds', deadline, 'must be greater than minReadySeconds'));
  }
  return errors;
}

export const deploymentValidation: Partial<ResourceStrategy> = {
  defaults(object) {
    const spec = specOf(object);
    if (!spec) return;
    spec.replicas ??= 1;
    const strategy = (spec.strategy && typeof spec.strategy === 'object' ? spec.strategy : (spec.strategy = {})) as Obj;
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const rolling = (strategy.rollingUpdate && typeof strategy.rollingUpdate === 'object' ? strategy.rollingUpdate : (strategy.rollingUpdate = {})) as Obj;
      rolling.maxUnavailable ??= '25%';
      rolling.maxSurge ??= '25%';
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    defaultTemplate(spec);
  },
  validateCreate: validateDeployment,
  validateUpdate: (object, old) => {
    const errors = validateDeployment(object);
    const spec = specOf(object);
    return spec ? [...errors, ...selectorImmutable(spec, obj(old.spec))] : errors;
  },
};

function validateReplicaSet(object: KubeObject): FieldError[] {
  const spec = specOf(object);
  if (!spec) return [required('spec')];
  return [...checkNonNegative(spec.replicas, 'spec.replicas'), ...checkNonNegative(spec.minReadySeconds, 'spec.minReadySeconds'), ...validateSelectorAndTemplate(spec, 'ReplicaSet')];
}

export const replicaSetValidation: Partial<ResourceStrategy> = {
  defaults(object) {
    const spec = specOf(object);
    if (!spec) return;
    spec.replicas ??= 1;
    defaultTemplate(spec);
  },
  validateCreate: validateReplicaSet,
  validateUpdate: (object, old) => {
    const spec = specOf(object);
    return [...validateReplicaSet(object), ...(spec ? selectorImmutable(spec, obj(old.spec)) : [])];
  },
};

