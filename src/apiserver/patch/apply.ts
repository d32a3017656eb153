/**
 * Server-side apply, after structured-merge-diff as used by kube-apiserver:
 *   1. the applied config's fields become this manager's Apply entry;
 *   2. fields it sets to a new value that others own are conflicts (409 unless forced,
 *      in which case the others lose them);
 *   3. fields this manager applied before, dropped now and owned by nobody else are
 *      removed from the object;
 *   4. the config is merged into the live object (associative lists by key, sets by
 *      value, everything else replaced).
 */
import type { KubeObject, ManagedFieldsEntry, PatchSchema } from '../../api/types.js';
import { type Conflict, conflictError } from './conflicts.js';
import { type FieldPath, FieldSet } from './fieldset.js';
import { collectFields, fieldSetOf, findItem, itemElement, ownableContent, sameAt, valueAt } from './field-walk.js';
import { decodeManagedFields, encodeManagedFields, type ManagerFields, sameManager } from './managed-fields.js';
import { childSchema, isAtomicMap, listKind } from './schema.js';
import { clone, isPlainObject, type JsonObject } from './values.js';

export interface ApplyArgs {
  live: KubeObject | undefined;
  applied: KubeObject;
  manager: string;
  force: boolean;
  schema: PatchSchema | undefined;
  apiVersion: string;
  now: string;
  subresource?: string;
}

/** Metadata that identifies a new object; taken from the config only on create. */
const IDENTITY_METADATA = ['name', 'namespace', 'generateName'];

export function applyServerSide(args: ApplyArgs): KubeObject {
  const { live, applied, manager, force, schema, apiVersion, now, subresource } = args;
  const appliedContent = ownableContent(applied, subresource);
  const appliedFields = collectFields(appliedContent, schema);
  const appliedSet = fieldSetOf(appliedFields);
  const liveFields = collectFields(ownableContent(live, subresource), schema);

  const managers = decodeManagedFields(live?.metadata.managedFields);
  const mine = managers.find((m) => sameManager(m.entry, manager, 'Apply', subresource));
  const others = managers.filter((m) => m !== mine);

  // Only fields whose value would change conflict; agreeing on a value shares ownership.
  const changedPaths = [...appliedFields.values()]
    .filter((f) => !sameAt(liveFields, appliedFields, JSON.stringify(f.path)))
    .map((f) => f.path);
  const liveContent = ownableContent(live, subresource);
  const conflicts: Array<Conflict & { owner: ManagerFields }> = [];
  for (const owner of others) {
    for (const path of owner.set.paths()) {
      if (ownsChange(owner.set, path, changedPaths, liveContent, schema)) {
        conflicts.push({ manager: owner.entry, path, owner });
      }
    }
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
  for (const c of conflicts) c.owner.set.delete(c.path);

  let othersOwn = new FieldSet();
  for (const m of others) othersOwn = othersOwn.union(m.set);

  const result = baseObject(live, applied);
  const dropped = (mine?.set ?? new FieldSet()).difference(appliedSet).difference(othersOwn);
  const keep = othersOwn.union(appliedSet);
  // Shallow paths first, so an item removed whole is not visited again for its fields.
  for (const path of dropped.paths().sort((a, b) => a.length - b.length)) {
    if (!keep.hasPrefix(path)) removePath(result, path, schema, keep);
  }

  const merged = mergeApplied(result, appliedContent, schema) as KubeObject;
  if (applied.apiVersion !== undefined) merged.apiVersion = applied.apiVersion;
  if (applied.kind !== undefined) merged.kind = applied.kind;

  const entry: ManagedFieldsEntry = { manager, operation: 'Apply', apiVersion, time: now };
  if (subresource) entry.subresource = subresource;
  const updatedMine: ManagerFields = { entry, set: appliedSet };
  const nextManagers = mine === undefined ? [...managers, updatedMine] : managers.map((m) => (m === mine ? updatedMine : m));
  const encoded = encodeManagedFields(nextManagers);
  if (encoded.length > 0) merged.metadata.managedFields = encoded;
  else delete merged.metadata.managedFields;
  return merged;
}

/**
 * Whether owning `path` collides with the applied changes: the path itself changes, or
 * it is a list the owner holds as one atomic leaf (e.g. recorded by a write that had no
 * schema) and something inside it changes.
 */
function ownsChange(
  owned: FieldSet,
  path: FieldPath,
  changed: FieldPath[],
  liveContent: JsonObject,
  schema: PatchSchema | undefined,
): boolean {
  const key = JSON.stringify(path);
  if (changed.some((c) => JSON.stringify(c) === key)) return true;
  const inside = changed.some((c) => c.length > path.length && path.every((e, i) => c[i] === e));
  if (!inside) return false;
  const ownsBelow = owned.paths().some((p) => p.length > path.length && path.every((e, i) => p[i] === e));
  return !ownsBelow && Array.isArray(valueAt(liveContent, path, schema));
}

/** The live object (keeping resourceVersion for optimistic concurrency), or a new shell. */
function baseObject(live: KubeObject | undefined, applied: KubeObject): KubeObject {
  if (live !== undefined) return clone(live);
  const metadata: JsonObject = {};
  for (const key of IDENTITY_METADATA) {
    const value = applied.metadata?.[key];
    if (value !== undefined) metadata[key] = clone(value);
  }
  return { metadata };
}

/** Merges an applied value into a live one; the result shares nothing with `applied`. */
export function mergeApplied(live: unknown, applied: unknown, schema: PatchSchema | undefined): unknown {
  if (isPlainObject(applied)) {
    if (!isPlainObject(live) || isAtomicMap(schema)) return clone(applied);
    const out: JsonObject = { ...live };
    for (const [key, value] of Object.entries(applied)) {
      if (value === null) delete out[key];
      else out[key] = mergeApplied(live[key], value, childSchema(schema, key));
    }
    return out;
  }
  if (Array.isArray(applied)) {
    const kind = listKind(schema);
    if (!Array.isArray(live) || kind.kind === 'atomic') return clone(applied);
    const itemSchema = schema?.elements();
    const out = [...live];
    applied.forEach((item, index) => {
      const at = findItem(out, itemElement(item, index, kind), kind);
      if (at < 0) out.push(clone(item));
      else if (kind.kind === 'map') out[at] = mergeApplied(out[at], item, itemSchema);
    });
    return out;
  }
  return clone(applied);
}

interface Step {
  container: JsonObject | unknown[];
  key: string | number;
  path: FieldPath;
}

/**
 * Deletes the value at `path`, then removes maps and lists left empty by that, unless
 * someone owns them (an owned `labels: {}` must stay).
 */
function removePath(object: KubeObject, path: FieldPath, schema: PatchSchema | undefined, owned: FieldSet): void {
  const steps: Step[] = [];
  let node: unknown = object;
  let s = schema;
  for (let i = 0; i < path.length; i++) {
    const element = path[i]!;
    const prefix = path.slice(0, i + 1);
    if (element.startsWith('f:')) {
      const name = element.slice(2);
      if (!isPlainObject(node) || !(name in node)) return;
      steps.push({ container: node, key: name, path: prefix });
      node = node[name];
      s = childSchema(s, name);
    } else {
      if (!Array.isArray(node)) return;
      const at = findItem(node, element, listKind(s));
      if (at < 0) return;
      steps.push({ container: node, key: at, path: prefix });
      node = node[at];
      s = s?.elements();
    }
  }

  for (let i = steps.length - 1; i >= 0; i--) {
    const { container, key, path: stepPath } = steps[i]!;
    if (i < steps.length - 1) {
      const value = Array.isArray(container) ? container[key as number] : container[key as string];
      const empty = Array.isArray(value) ? value.length === 0 : isPlainObject(value) && Object.keys(value).length === 0;
      // Never prune the object's top-level sections (metadata, spec) or owned containers.
      if (!empty || stepPath.length < 2 || owned.has(stepPath)) return;
    }
    if (Array.isArray(container)) container.splice(key as number, 1);
    else delete container[key as string];
  }
}
