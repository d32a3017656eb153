import type { KubeObject, ResourceDefinition } from '../../api/types.js';
import type { StoredValue } from '../../storage/types.js';

/** The store key of one object: `/registry/<group|core>/<plural>/[<namespace>/]<name>`. */
export function objectKey(definition: ResourceDefinition, namespace: string | undefined, name: string): string {
  return definition.namespaced ? `${listPrefix(definition, namespace)}${name}` : `${listPrefix(definition, undefined)}${name}`;
}

/** Prefix of all objects of a resource, or of one namespace's objects. Always ends in `/`. */
export function listPrefix(definition: ResourceDefinition, namespace: string | undefined): string {
  const base = `/registry/${definition.group || 'core'}/${definition.plural}/`;
  return definition.namespaced && namespace ? `${base}${namespace}/` : base;
}

/** `v1` or `apps/v1`. */
export function apiVersionOf(definition: ResourceDefinition): string {
  return definition.group ? `${definition.group}/${definition.version}` : definition.version;
}

/** Parses a stored value into an object carrying its resourceVersion, kind and apiVersion. */
export function decodeStored(definition: ResourceDefinition, stored: StoredValue): KubeObject {
  const object = JSON.parse(stored.value) as KubeObject;
  object.metadata.resourceVersion = String(stored.revision);
  return object;
}

/**
 * Serialises an object for the store; resourceVersion is the store's revision, not data.
 * apiVersion, kind and metadata come first so lists can splice the revision into the text.
 */
export function encodeForStore(object: KubeObject): string {
  const { resourceVersion: _ignored, ...metadata } = object.metadata;
  const { apiVersion, kind, metadata: _metadata, ...rest } = object;
  return JSON.stringify({ apiVersion, kind, metadata, ...rest });
}

const storedPrefix = /^\{"apiVersion":"(?:[^"\\]|\\.)*","kind":"(?:[^"\\]|\\.)*","metadata":\{/;

/**
 * A stored value as JSON text with its resourceVersion, without parsing it: what a plain
 * list sends for each item. Undefined when the text is not in the canonical layout.
 */
export function storedJson(stored: StoredValue): string | undefined {
  const match = storedPrefix.exec(stored.value);
  if (!match) return undefined;
  const at = match[0].length;
  const version = `"resourceVersion":"${stored.revision}"`;
  return stored.value.slice(0, at) + version + (stored.value[at] === '}' ? '' : ',') + stored.value.slice(at);
}

/** A deep copy through JSON (objects are plain JSON data). */
export function cloneObject<T>(value: T): T {
  return structuredClone(value);
}

/** Reads a dotted path (`spec.replicas`) from an object. */
export function readPath(object: unknown, path: string): unknown {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Writes a dotted path, creating objects on the way. */
export function writePath(object: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let current: Record<string, unknown> = object;
  for (const part of parts.slice(0, -1)) {
    const next = current[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) current[part] = {};
    current = current[part] as Record<string, unknown>;
  }
  current[parts[parts.length - 1]] = value;
}

/** Everything of an object except metadata and status, as JSON text (spec changes bump generation). */
export function specFingerprint(object: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = object;
  return JSON.stringify(rest);
}

/** RFC 3339 time without fractional seconds, as Kubernetes writes timestamps. */
export { kubeTime as timestamp } from '../../api/time.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
