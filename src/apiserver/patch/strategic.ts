/**
 * Kubernetes strategic merge patch. Like JSON merge patch, but lists annotated with
 * `patchStrategy: merge` merge instead of being replaced (by `patchMergeKey` for lists
 * of objects, as a union for lists of primitives), and the patch may carry directives:
 *
 *   `$patch: replace|delete`            on a map, or as an item of a merging list
 *   `$retainKeys: [...]`                keep only these keys of the original map
 *   `$setElementOrder/<field>: [...]`   order of the merged list
 *   `$deleteFromPrimitiveList/<field>`  values to drop from a primitive list
 *
 * Directives never reach the result. Without a schema maps merge and lists are replaced.
 */
import type { PatchSchema } from '../../api/types.js';
import { badPatch } from './errors.js';
import { childSchema, hasStrategy, isAtomicMap } from './schema.js';
import { clone, deepEqual, isPlainObject, type JsonObject } from './values.js';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

export function applyStrategicMergePatch(document: unknown, patch: unknown, schema?: PatchSchema): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  // A non-object document behaves like an empty one, as in JSON merge patch.
  const original = isPlainObject(document) ? clone(document) : {};
  return mergeMap(original, patch, schema);
}

/** Merges one patch value into the original value at the same place. */
function mergeValue(original: unknown, patch: unknown, schema: PatchSchema | undefined): unknown {
  if (isPlainObject(patch)) {
    if (isAtomicMap(schema) || hasStrategy(schema, 'replace')) return mergeMap({}, patch, schema);
    return mergeMap(isPlainObject(original) ? original : {}, patch, schema);
  }
  if (Array.isArray(patch)) {
    return mergeList(Array.isArray(original) ? original : [], patch, schema);
  }
  return clone(patch);
}

/** `original` is owned by the caller (already a copy) and is updated in place. */
function mergeMap(original: JsonObject, patch: JsonObject, schema: PatchSchema | undefined): JsonObject {
  const directive = patch[PATCH];
  if (directive !== undefined) {
    if (directive === 'replace') {
      const rest: JsonObject = { ...patch };
      delete rest[PATCH];
      return mergeMap({}, rest, schema);
    }
    if (directive === 'delete') return {};
    throw badPatch(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
  }

  const retain = patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badPatch('$retainKeys must be a list of field names');
    const keep = new Set(retain.map(String));
    for (const key of Object.keys(original)) if (!keep.has(key)) delete original[key];
  }

  const orders: Array<[string, unknown[]]> = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_PRIMITIVE)) {
      const field = key.slice(DELETE_PRIMITIVE.length);
      if (!Array.isArray(value)) throw badPatch(`${key} must be a list`);
      const current = original[field];
      if (Array.isArray(current)) {
        original[field] = current.filter((item) => !value.some((v) => deepEqual(v, item)));
      }
    } else if (key.startsWith(SET_ORDER)) {
      if (!Array.isArray(value)) throw badPatch(`${key} must be a list`);
      orders.push([key.slice(SET_ORDER.length), value]);
    }
  }

  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) {
      delete original[key];
      continue;
    }
    original[key] = mergeValue(original[key], value, childSchema(schema, key));
  }

  for (const [field, order] of orders) {
    const current = original[field];
    if (Array.isArray(current)) {
      original[field] = applyOrder(current, order, childSchema(schema, field)?.patchMergeKey);
    }
  }
  return original;
}

function mergeList(original: unknown[], patch: unknown[], schema: PatchSchema | undefined): unknown[] {
  if (!hasStrategy(schema, 'merge')) return stripList(patch, schema);

  // An item `{$patch: replace}` makes the rest of the patch list the whole list.
  const replaceAt = patch.findIndex((item) => isPlainObject(item) && item[PATCH] === 'replace');
  if (replaceAt >= 0) return stripList(patch.filter((_, i) => i !== replaceAt), schema);

  const mergeKey = schema?.patchMergeKey;
  const itemSchema = schema?.elements();
  const result = original.map((item) => clone(item));

  if (mergeKey === undefined) {
    // Primitive list with merge strategy (e.g. finalizers): ordered union.
    for (const item of patch) {
      if (!result.some((existing) => deepEqual(existing, item))) result.push(clone(item));
    }
    return result;
  }

  for (const item of patch) {
    if (!isPlainObject(item)) throw badPatch(`merging list items by "${mergeKey}" requires objects`);
    const key = item[mergeKey];
    const directive = item[PATCH];
    if (directive === 'delete') {
      removeWhere(result, (existing) =>
        key === undefined ? deepEqual(withoutPatch(item), existing) : isPlainObject(existing) && deepEqual(existing[mergeKey], key),
      );
      continue;
    }
    if (directive !== undefined) throw badPatch(`Unknown patch type: ${String(directive)} in list item`);
    if (key === undefined) throw badPatch(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
    const at = result.findIndex((existing) => isPlainObject(existing) && deepEqual(existing[mergeKey], key));
    if (at >= 0) result[at] = mergeMap(result[at] as JsonObject, item, itemSchema);
    else result.push(mergeMap({}, item, itemSchema));
  }
  return result;
}

/** A patch list placed as-is still loses its directives (and `$patch: delete` items). */
function stripList(patch: unknown[], schema: PatchSchema | undefined): unknown[] {
  const itemSchema = schema?.elements();
  return patch
    .filter((item) => !(isPlainObject(item) && item[PATCH] === 'delete'))
    .map((item) => mergeValue(undefined, item, itemSchema));
}

function withoutPatch(item: JsonObject): JsonObject {
  const rest = { ...item };
  delete rest[PATCH];
  return rest;
}

function removeWhere(list: unknown[], predicate: (item: unknown) => boolean): void {
  for (let i = list.length - 1; i >= 0; i--) if (predicate(list[i])) list.splice(i, 1);
}

/**
 * `$setElementOrder`: items named in `order` come first in that order; the rest (items
 * only the server knew about) keep their relative order after them.
 */
function applyOrder(list: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const identity = (item: unknown): unknown =>
    mergeKey !== undefined && isPlainObject(item) ? item[mergeKey] : item;
  const wanted = order.map(identity);
  const placed: unknown[] = [];
  const used = new Set<number>();
  for (const id of wanted) {
    const at = list.findIndex((item, i) => !used.has(i) && deepEqual(identity(item), id));
    if (at >= 0) {
      used.add(at);
      placed.push(list[at]);
    }
  }
  return [...placed, ...list.filter((_, i) => !used.has(i))];
}
