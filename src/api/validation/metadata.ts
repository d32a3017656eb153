import type { FieldError, KubeObject, ResourceDefinition } from '../types.js';
import { forbidden, immutable, invalidValue, required, tooLong } from './field-errors.js';
import { isDns1035Label, isDns1123Label, isDns1123Subdomain, isLabelValue, isPathSegmentName, isQualifiedName } from './names.js';

type NameCheck = (name: string) => string[];

/** Object names per kind, as each kind's ValidateXName does; the default is a DNS-1123 subdomain. */
const nameChecks: Record<string, NameCheck> = {
  'core/Namespace': isDns1123Label,
  'core/Service': isDns1035Label,
  'rbac.authorization.k8s.io/Role': isPathSegmentName,
  'rbac.authorization.k8s.io/ClusterRole': isPathSegmentName,
  'rbac.authorization.k8s.io/RoleBinding': isPathSegmentName,
  'rbac.authorization.k8s.io/ClusterRoleBinding': isPathSegmentName,
};

const totalAnnotationSizeLimit = 256 * 1024;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function validateLabels(labels: unknown, field: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (!isRecord(labels)) return [invalidValue(field, labels, 'must be a map of string keys to string values')];
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(labels)) {
    for (const e of isQualifiedName(key)) errors.push(invalidValue(field, key, e));
    if (typeof value !== 'string') {
      errors.push(invalidValue(`${field}`, value, 'label values must be strings'));
      continue;
    }
    for (const e of isLabelValue(value)) errors.push(invalidValue(field, value, e));
  }
  return errors;
}

export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  if (!isRecord(annotations)) return [invalidValue(field, annotations, 'must be a map of string keys to string values')];
  const errors: FieldError[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    for (const e of isQualifiedName(key.toLowerCase())) errors.push(invalidValue(field, key, e));
    if (typeof value !== 'string') errors.push(invalidValue(field, value, 'annotation values must be strings'));
    size += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  if (size > totalAnnotationSizeLimit) errors.push(tooLong(field, totalAnnotationSizeLimit));
  return errors;
}

function validateOwnerReferences(references: unknown, field: string): FieldError[] {
  if (references === undefined || references === null) return [];
  if (!Array.isArray(references)) return [invalidValue(field, references, 'must be a list')];
  const errors: FieldError[] = [];
  let controllers = 0;
  references.forEach((reference: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(reference)) {
      errors.push(invalidValue(at, reference, 'must be an object'));
      return;
    }
    if (typeof reference.apiVersion !== 'string' || !reference.apiVersion) errors.push(invalidValue(`${at}.apiVersion`, reference.apiVersion ?? '', 'version must not be empty'));
    if (typeof reference.kind !== 'string' || !reference.kind) errors.push(invalidValue(`${at}.kind`, reference.kind ?? '', 'kind must not be empty'));
    if (typeof reference.name !== 'string' || !reference.name) errors.push(invalidValue(`${at}.name`, reference.name ?? '', 'name must not be empty'));
    if (typeof reference.uid !== 'string' || !reference.uid) errors.push(invalidValue(`${at}.uid`, reference.uid ?? '', 'uid must not be empty'));
    if (reference.controller === true) controllers++;
  });
  if (controllers > 1) errors.push(invalidValue(field, references, 'Only one reference can have Controller set to true'));
  return errors;
}

function validateFinalizers(finalizers: unknown, field: string): FieldError[] {
  if (finalizers === undefined || finalizers === null) return [];
  if (!Array.isArray(finalizers)) return [invalidValue(field, finalizers, 'must be a list of strings')];
  const errors: FieldError[] = [];
  for (const finalizer of finalizers) {
    if (typeof finalizer !== 'string') {
      errors.push(invalidValue(field, finalizer, 'must be a string'));
      continue;
    }
    for (const e of isQualifiedName(finalizer)) errors.push(invalidValue(field, finalizer, e));
  }
  return errors;
}

/** ValidateObjectMeta: name (or generateName), namespace scope, labels, annotations, owners, finalizers. */
export function validateObjectMeta(object: KubeObject, namespaced: boolean, definition?: ResourceDefinition): FieldError[] {
  const metadata = object.metadata;
  const errors: FieldError[] = [];
  const check = (definition && nameChecks[`${definition.group || 'core'}/${definition.kind}`]) ?? isDns1123Subdomain;
  const name = metadata.name;
  if (name === undefined || name === '') {
    if (!metadata.generateName) errors.push(required('metadata.name', 'name or generateName is required'));
  } else if (typeof name !== 'string') {
    errors.push(invalidValue('metadata.name', name, 'must be a string'));
  } else {
    for (const e of check(name)) errors.push(invalidValue('metadata.name', name, e));
  }
  if (metadata.generateName !== undefined && typeof metadata.generateName !== 'string') {
    errors.push(invalidValue('metadata.generateName', metadata.generateName, 'must be a string'));
  }
  if (namespaced) {
    if (!metadata.namespace) errors.push(required('metadata.namespace'));
    else if (typeof metadata.namespace !== 'string') errors.push(invalidValue('metadata.namespace', metadata.namespace, 'must be a string'));
    else for (const e of isDns1123Label(metadata.namespace)) errors.push(invalidValue('metadata.namespace', metadata.namespace, e));
  } else if (metadata.namespace) {
    errors.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  errors.push(...validateLabels(metadata.labels, 'metadata.labels'));
  errors.push(...validateAnnotations(metadata.annotations, 'metadata.annotations'));
  errors.push(...validateOwnerReferences(metadata.ownerReferences, 'metadata.ownerReferences'));
  errors.push(...validateFinalizers(metadata.finalizers, 'metadata.finalizers'));
  return errors;
}

/** ValidateObjectMetaUpdate: name, namespace, uid and creation time never change. */
export function validateObjectMetaUpdate(object: KubeObject, old: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    const now = object.metadata[field];
    const before = old.metadata[field];
    if ((now ?? '') !== (before ?? '')) errors.push(immutable(`metadata.${field}`, now ?? ''));
  }
  return errors;
}
