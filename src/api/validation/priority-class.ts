import type { FieldError, ResourceStrategy } from '../types.js';
import { forbidden, invalidValue, notSupported, required } from './field-errors.js';

/** User-defined priorities stay below the system classes (scheduling.HighestUserDefinablePriority). */
const highestUserDefinablePriority = 1_000_000_000;
const preemptionPolicies = ['Never', 'PreemptLowerPriority'];

export const priorityClassValidation: Partial<ResourceStrategy> = {
  defaults(priorityClass) {
    priorityClass.preemptionPolicy ??= 'PreemptLowerPriority';
  },
  validateCreate(priorityClass) {
    const errors: FieldError[] = [];
    const value = priorityClass.value;
    if (value === undefined || value === null) errors.push(required('value'));
    else if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > 2 ** 31 - 1) errors.push(invalidValue('value', value, 'must be a 32-bit integer'));
    else if (value > highestUserDefinablePriority && !(priorityClass.metadata.name ?? '').startsWith('system-')) {
      errors.push(forbidden('value', `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`));
    }
    if (priorityClass.preemptionPolicy !== undefined && !preemptionPolicies.includes(priorityClass.preemptionPolicy as string)) {
      errors.push(notSupported('preemptionPolicy', priorityClass.preemptionPolicy, preemptionPolicies));
    }
    return errors;
  },
  validateUpdate(priorityClass, old) {
    const errors = priorityClassValidation.validateCreate?.(priorityClass) ?? [];
    if (priorityClass.value !== old.value) errors.push(forbidden('value', 'may not be changed in an update.'));
    if (priorityClass.preemptionPolicy !== old.preemptionPolicy) errors.push(invalidValue('preemptionPolicy', priorityClass.preemptionPolicy, 'field is immutable'));
    return errors;
  },
};
