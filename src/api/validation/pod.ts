import type { FieldError, KubeObject, ResourceStrategy } from '../types.js';
import { arr, obj, type Obj } from '../printing/values.js';
import { forbidden, invalidValue } from './field-errors.js';
import { defaultPod } from './pod-defaults.js';
import { validatePodSpec } from './pod-spec.js';

const updateForbiddenDetail = 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** Stable JSON: key order does not matter when comparing specs. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/** ValidatePodUpdate: after taking over the fields a pod may change, the specs must be equal. */
function validatePodUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const spec = obj(pod.spec);
  const oldSpec = obj(old.spec);
  const mutated: Obj = structuredClone(oldSpec);
  for (const list of ['containers', 'initContainers']) {
    const now = arr(spec[list]);
    const before = arr(mutated[list]);
    if (now.length === before.length) before.forEach((c, i) => { obj(c).image = obj(now[i]).image; });
  }
  mutated.activeDeadlineSeconds = spec.activeDeadlineSeconds;
  if (spec.activeDeadlineSeconds === undefined) delete mutated.activeDeadlineSeconds;
  const oldDeadline = oldSpec.activeDeadlineSeconds;
  if (typeof oldDeadline === 'number') {
    if (spec.activeDeadlineSeconds === undefined || spec.activeDeadlineSeconds === null) {
      errors.push(invalidValue('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
    } else if (typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds > oldDeadline) {
      errors.push(invalidValue('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds, 'must be less than or equal to previous value'));
    }
  }
  // Tolerations may only be added to.
  const tolerations = arr(spec.tolerations);
  if (arr(oldSpec.tolerations).every((t) => tolerations.some((n) => canonical(n) === canonical(t)))) mutated.tolerations = spec.tolerations;
  if (typeof oldSpec.terminationGracePeriodSeconds === 'number' && oldSpec.terminationGracePeriodSeconds < 0 && spec.terminationGracePeriodSeconds === 1) {
    mutated.terminationGracePeriodSeconds = 1;
  }
  // Scheduling gates may only be removed.
  const gates = arr(spec.schedulingGates);
  if (gates.every((g) => arr(oldSpec.schedulingGates).some((o) => canonical(o) === canonical(g)))) {
    if (spec.schedulingGates === undefined) delete mutated.schedulingGates;
    else mutated.schedulingGates = spec.schedulingGates;
  }
  // Ephemeral containers change only through their subresource; the status writer owns nodeName.
  mutated.ephemeralContainers = spec.ephemeralContainers;
  if (spec.ephemeralContainers === undefined) delete mutated.ephemeralContainers;
  if (canonical(mutated) !== canonical(spec)) errors.push(forbidden('spec', updateForbiddenDetail));
  return errors;
}

export const podValidation: Partial<ResourceStrategy> = {
  defaults: defaultPod,
  validateCreate: (pod) => validatePodSpec(pod.spec, 'spec'),
  validateUpdate: (pod, old) => {
    const errors = validatePodSpec(pod.spec, 'spec');
    return errors.length ? errors : validatePodUpdate(pod, old);
  },
};
