import type { FieldError, KubeObject, ResourceStrategy } from '../types.js';

/** Combines strategies: hooks run in order; validations are concatenated; last value hooks win. */
export function composeStrategies(...parts: Array<Partial<ResourceStrategy> | undefined>): ResourceStrategy {
  const list = parts.filter((p): p is Partial<ResourceStrategy> => p !== undefined);
  const each = <K extends keyof ResourceStrategy>(key: K) => list.map((p) => p[key]).filter((f): f is NonNullable<ResourceStrategy[K]> => typeof f === 'function');
  const result: ResourceStrategy = {};
  const defaults = each('defaults');
  if (defaults.length) result.defaults = (o) => defaults.forEach((f) => f(o));
  const prepareForCreate = each('prepareForCreate');
  if (prepareForCreate.length) result.prepareForCreate = (o) => prepareForCreate.forEach((f) => f(o));
  const prepareForUpdate = each('prepareForUpdate');
  if (prepareForUpdate.length) result.prepareForUpdate = (o, old) => prepareForUpdate.forEach((f) => f(o, old));
  const prepareForStatusUpdate = each('prepareForStatusUpdate');
  if (prepareForStatusUpdate.length) result.prepareForStatusUpdate = (o, old) => prepareForStatusUpdate.forEach((f) => f(o, old));
  const prepareForDeletion = each('prepareForDeletion');
  if (prepareForDeletion.length) result.prepareForDeletion = (o) => prepareForDeletion.forEach((f) => f(o));
  const validateCreate = each('validateCreate');
  if (validateCreate.length) result.validateCreate = (o) => validateCreate.flatMap((f) => safely(() => f(o)));
  const validateUpdate = each('validateUpdate');
  if (validateUpdate.length) result.validateUpdate = (o, old) => validateUpdate.flatMap((f) => safely(() => f(o, old)));
  const validateStatusUpdate = each('validateStatusUpdate');
  if (validateStatusUpdate.length) result.validateStatusUpdate = (o, old) => validateStatusUpdate.flatMap((f) => safely(() => f(o, old)));
  const warnings = each('warnings');
  if (warnings.length) result.warnings = (o, old) => warnings.flatMap((f) => f(o, old));
  const selectable = each('selectableFields');
  if (selectable.length) result.selectableFields = (o) => Object.assign({}, ...selectable.map((f) => f(o))) as Record<string, string | undefined>;
  const grace = each('deletionGracePeriod');
  if (grace.length) result.deletionGracePeriod = grace[grace.length - 1];
  const blocked = each('deletionBlocked');
  if (blocked.length) result.deletionBlocked = (o) => blocked.some((f) => f(o));
  return result;
}

/** A validator that throws on a malformed object reports it as one field error, never a 500. */
function safely(run: () => FieldError[]): FieldError[] {
  try {
    return run();
  } catch (error: unknown) {
    return [{ type: 'FieldValueInvalid', field: '', detail: `malformed object: ${error instanceof Error ? error.message : String(error)}` }];
  }
}

/** Status is written only through /status: cleared on create, carried over on update. */
export const statusSubresource: Partial<ResourceStrategy> = {
  prepareForCreate(object: KubeObject) {
    delete object.status;
  },
  prepareForUpdate(object: KubeObject, old: KubeObject) {
    if (old.status === undefined) delete object.status;
    else object.status = structuredClone(old.status);
  },
};
