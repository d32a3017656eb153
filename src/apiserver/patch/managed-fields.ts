/**
 * metadata.managedFields bookkeeping for ordinary writes (create, update, non-apply
 * patch). Whoever changes a field becomes its owner, taking it from everyone else; a
 * field that disappears is owned by nobody. Managers are told apart by name, operation
 * and subresource, so `kubectl label` (Update) and an applier are distinct owners.
 */
import type { KubeObject, ManagedFieldsEntry, PatchSchema } from '../../api/types.js';
import { FieldSet } from './fieldset.js';
import { collectFields, fieldSetOf, fieldsV1Of, ownableContent, sameAt } from './field-walk.js';
import { deepEqual } from './values.js';

/** A managedFields entry with its FieldsV1 decoded. */
export interface ManagerFields {
  entry: ManagedFieldsEntry;
  set: FieldSet;
}

export function sameManager(
  entry: ManagedFieldsEntry,
  manager: string,
  operation: 'Apply' | 'Update',
  subresource: string | undefined,
): boolean {
  return (
    (entry.manager ?? '') === manager &&
    entry.operation === operation &&
    (entry.subresource ?? '') === (subresource ?? '')
  );
}

export function decodeManagedFields(entries: ManagedFieldsEntry[] | undefined): ManagerFields[] {
  return (entries ?? []).map((entry) => ({ entry, set: FieldSet.fromFieldsV1(entry.fieldsV1 ?? {}) }));
}

/** Re-encodes entries, dropping those that own nothing any more. */
export function encodeManagedFields(managers: ManagerFields[]): ManagedFieldsEntry[] {
  return managers
    .filter((m) => !m.set.isEmpty())
    .map(({ entry, set }) => makeEntry({ ...entry, fieldsV1: set.toFieldsV1() }));
}

/** Builds an entry with keys in the order Kubernetes serialises them. */
export function makeEntry(e: ManagedFieldsEntry): ManagedFieldsEntry {
  const out: ManagedFieldsEntry = {};
  if (e.manager !== undefined) out.manager = e.manager;
  if (e.operation !== undefined) out.operation = e.operation;
  if (e.apiVersion !== undefined) out.apiVersion = e.apiVersion;
  if (e.time !== undefined) out.time = e.time;
  out.fieldsType = 'FieldsV1';
  out.fieldsV1 = e.fieldsV1 ?? {};
  if (e.subresource) out.subresource = e.subresource;
  return out;
}

export interface UpdateManagedFieldsArgs {
  live: KubeObject | undefined;
  updated: KubeObject;
  manager: string;
  operation: 'Update';
  subresource?: string;
  apiVersion: string;
  now: string;
  /** Optional: lets associative lists be tracked per item instead of atomically. */
  schema?: PatchSchema;
}

/**
 * The entries to start from: the live ones, unless the client deliberately sent
 * different ones (kube lets clients rewrite or, with `[]`, clear managedFields).
 */
function startingEntries(live: KubeObject | undefined, updated: KubeObject): ManagedFieldsEntry[] {
  const sent = updated.metadata.managedFields;
  const current = live?.metadata.managedFields;
  if (sent === undefined) return current ?? [];
  if (sent.length === 0) return [];
  // `[{}]` is the other documented way to reset: an entry with no manager and no fields.
  if (sent.every((e) => e.manager === undefined && e.fieldsV1 === undefined)) return [];
  if (deepEqual(sent, current)) return current ?? [];
  return sent;
}

export function updateManagedFields(args: UpdateManagedFieldsArgs): KubeObject {
  const { live, updated, manager, operation, subresource, apiVersion, now, schema } = args;
  if (live === undefined && startingEntries(live, updated).length === 0) return createdFields(args);
  const before = collectFields(ownableContent(live, subresource), schema);
  const after = collectFields(ownableContent(updated, subresource), schema);

  const changed = new FieldSet();
  for (const [key, entry] of after) if (!sameAt(before, after, key)) changed.add(entry.path);
  const removed = fieldSetOf(before).difference(fieldSetOf(after));

  const managers = decodeManagedFields(startingEntries(live, updated));
  let mine = managers.find((m) => sameManager(m.entry, manager, operation, subresource));
  for (const m of managers) {
    if (m !== mine) m.set = m.set.difference(changed);
    m.set = m.set.difference(removed);
  }
  if (!changed.isEmpty()) {
    if (mine === undefined) {
      mine = { entry: { manager, operation }, set: new FieldSet() };
      if (subresource) mine.entry.subresource = subresource;
      managers.push(mine);
    }
    mine.set = mine.set.union(changed);
    mine.entry = { ...mine.entry, apiVersion, time: now };
  }

  // Only metadata.managedFields changes: a shallow copy keeps the caller's object intact.
  const result: KubeObject = { ...updated, metadata: { ...updated.metadata } };
  const encoded = encodeManagedFields(managers);
  if (encoded.length > 0) result.metadata.managedFields = encoded;
  else delete result.metadata.managedFields;
  return result;
}

/** On create the writer owns every field it sent: no diff against a live object is needed. */
function createdFields(args: UpdateManagedFieldsArgs): KubeObject {
  const { updated, manager, operation, subresource, apiVersion, now, schema } = args;
  const result: KubeObject = { ...updated, metadata: { ...updated.metadata } };
  const fieldsV1 = fieldsV1Of(ownableContent(updated, subresource), schema);
  if (Object.keys(fieldsV1).length === 0) {
    delete result.metadata.managedFields;
    return result;
  }
  const entry: ManagedFieldsEntry = { manager, operation, apiVersion, time: now, fieldsV1 };
  if (subresource) entry.subresource = subresource;
  result.metadata.managedFields = [makeEntry(entry)];
  return result;
}
