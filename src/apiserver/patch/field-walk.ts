/**
 * Turns an object into the field paths it sets (what server-side apply records as
 * owned), and finds values by those paths again. Which list items are addressed by key,
 * by value or as one atomic leaf follows the schema (see listKind).
 */
import type { KubeObject, PatchSchema } from '../../api/types.js';
import { type FieldPath, FieldSet, type FieldsV1, type PathElement, sortKeys } from './fieldset.js';
import { childSchema, isAtomicMap, listKind, type ListKind } from './schema.js';
import { deepEqual, isPlainObject, type JsonObject } from './values.js';

/** Metadata that is the server's (or identifies the object), never owned by a manager. */
const SERVER_METADATA = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
];

/**
 * The part of an object whose fields can be owned: writes to the main resource own
 * everything but status; writes through /status own only status.
 */
export function ownableContent(object: KubeObject | JsonObject | undefined, subresource?: string): JsonObject {
  if (object === undefined) return {};
  if (subresource === 'status') {
    return object['status'] === undefined ? {} : { status: object['status'] };
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'status') continue;
    if (key === 'metadata' && isPlainObject(value)) {
      const meta: JsonObject = {};
      for (const [mk, mv] of Object.entries(value)) if (!SERVER_METADATA.includes(mk)) meta[mk] = mv;
      if (Object.keys(meta).length > 0) out[key] = meta;
      continue;
    }
    out[key] = value;
  }
  return out;
}

/**
 * Defaults of list-map key fields (the OpenAPI schemas declare `protocol` to default to TCP),
 * so that an applied port without a protocol names the same item as the stored, defaulted one.
 */
const listMapKeyDefaults: Record<string, string> = { protocol: 'TCP' };

/** The element naming `item` (at `index`) inside a list of the given kind. */
export function itemElement(item: unknown, index: number, kind: ListKind): PathElement {
  if (kind.kind === 'map' && isPlainObject(item)) {
    const key: JsonObject = {};
    for (const name of kind.keys) {
      const value = item[name] ?? listMapKeyDefaults[name];
      if (value !== undefined) key[name] = value;
    }
    if (Object.keys(key).length > 0) return `k:${JSON.stringify(key)}`;
  }
  if (kind.kind === 'set') return `v:${JSON.stringify(item)}`;
  return `i:${index}`;
}

/** One owned path and the value found there (for list items: the whole item). */
export interface FieldEntry {
  path: FieldPath;
  value: unknown;
  /** Items only exist or not; leaves also compare by value. */
  item: boolean;
}

/** Every member path of `value` with what it holds, keyed by JSON of the path. */
export function collectFields(value: JsonObject, schema: PatchSchema | undefined): Map<string, FieldEntry> {
  const out = new Map<string, FieldEntry>();
  const add = (path: FieldPath, v: unknown, item: boolean): void => {
    out.set(JSON.stringify(path), { path, value: v, item });
  };

  const walkMap = (map: JsonObject, s: PatchSchema | undefined, path: PathElement[]): void => {
    for (const [key, child] of Object.entries(map)) walkValue(child, childSchema(s, key), [...path, `f:${key}`]);
  };

  const walkValue = (v: unknown, s: PatchSchema | undefined, path: PathElement[]): void => {
    if (isPlainObject(v) && !isAtomicMap(s) && Object.keys(v).length > 0) {
      walkMap(v, s, path);
    } else if (Array.isArray(v) && v.length > 0 && listKind(s).kind !== 'atomic') {
      const kind = listKind(s);
      const itemSchema = s?.elements();
      v.forEach((item, index) => {
        const itemPath = [...path, itemElement(item, index, kind)];
        add(itemPath, item, true);
        if (kind.kind === 'map' && isPlainObject(item) && !isAtomicMap(itemSchema)) walkMap(item, itemSchema, itemPath);
      });
    } else {
      // Scalars, nulls, atomic values and empty containers are leaves.
      add(path, v, false);
    }
  };

  walkMap(value, schema, []);
  return out;
}

export function fieldSetOf(entries: Map<string, FieldEntry>): FieldSet {
  return new FieldSet([...entries.values()].map((e) => e.path));
}

/** Whether the same path holds the same thing in both collections. */
export function sameAt(a: Map<string, FieldEntry>, b: Map<string, FieldEntry>, key: string): boolean {
  const x = a.get(key);
  const y = b.get(key);
  if (x === undefined || y === undefined) return x === y;
  if (x.item && y.item) return true;
  return x.item === y.item && deepEqual(x.value, y.value);
}

/** Index of the list item an element names, or -1. */
export function findItem(list: unknown[], element: PathElement, kind: ListKind): number {
  return list.findIndex((item, index) => itemElement(item, index, kind) === element);
}

/** The value at `path` inside `root`, or undefined when the path leads nowhere. */
export function valueAt(root: unknown, path: FieldPath, schema: PatchSchema | undefined): unknown {
  let node = root;
  let s = schema;
  for (const element of path) {
    if (element.startsWith('f:')) {
      const name = element.slice(2);
      if (!isPlainObject(node)) return undefined;
      node = node[name];
      s = childSchema(s, name);
    } else {
      if (!Array.isArray(node)) return undefined;
      const at = findItem(node, element, listKind(s));
      if (at < 0) return undefined;
      node = node[at];
      s = s?.elements();
    }
  }
  return node;
}

/**
 * The FieldsV1 of every field of `value`, built in one walk: what collectFields then
 * FieldSet.toFieldsV1 give, without the path sets (creates are the hot path).
 */
export function fieldsV1Of(value: JsonObject, schema: PatchSchema | undefined): FieldsV1 {
  const walkMap = (map: JsonObject, s: PatchSchema | undefined, node: FieldsV1): void => {
    for (const [key, child] of Object.entries(map)) node[`f:${key}`] = walkValue(child, childSchema(s, key));
  };
  const walkValue = (v: unknown, s: PatchSchema | undefined): FieldsV1 => {
    const node: FieldsV1 = {};
    if (isPlainObject(v) && !isAtomicMap(s) && Object.keys(v).length > 0) {
      walkMap(v, s, node);
    } else if (Array.isArray(v) && v.length > 0 && listKind(s).kind !== 'atomic') {
      const kind = listKind(s);
      const itemSchema = s?.elements();
      v.forEach((item, index) => {
        const itemNode: FieldsV1 = {};
        if (kind.kind === 'map' && isPlainObject(item) && !isAtomicMap(itemSchema)) walkMap(item, itemSchema, itemNode);
        // A list item is a member itself; with children it says so with ".".
        if (Object.keys(itemNode).length > 0) itemNode['.'] = {};
        node[itemElement(item, index, kind)] = itemNode;
      });
    }
    return node;
  };
  const root: FieldsV1 = {};
  walkMap(value, schema, root);
  return sortKeys(root);
}
