/**
 * Questions the patch code asks of a PatchSchema node. Kept in one place so strategic
 * merge and server-side apply agree on how a list or map is treated.
 */
import type { PatchSchema } from '../../api/types.js';

/** Schema of `key` inside an object or map node (maps describe values via elements()). */
export function childSchema(schema: PatchSchema | undefined, key: string): PatchSchema | undefined {
  if (schema === undefined) return undefined;
  if (schema.shape === 'map') return schema.elements();
  return schema.field(key);
}

export function hasStrategy(schema: PatchSchema | undefined, strategy: string): boolean {
  if (schema?.patchStrategy === undefined) return false;
  return schema.patchStrategy.split(',').map((s) => s.trim()).includes(strategy);
}

export type ListKind =
  | { kind: 'atomic' }
  | { kind: 'set' }
  | { kind: 'map'; keys: string[] };

/**
 * How server-side apply sees a list: x-kubernetes-list-type wins; otherwise the older
 * patch-strategy annotations imply the same thing (merge + key → map, merge → set).
 * Without a schema every list is atomic, as structured-merge-diff's deduced schema does.
 */
export function listKind(schema: PatchSchema | undefined): ListKind {
  if (schema === undefined) return { kind: 'atomic' };
  if (schema.listType === 'map' && schema.listMapKeys && schema.listMapKeys.length > 0) {
    return { kind: 'map', keys: [...schema.listMapKeys] };
  }
  if (schema.listType === 'set') return { kind: 'set' };
  if (schema.listType === 'atomic') return { kind: 'atomic' };
  if (hasStrategy(schema, 'merge')) {
    if (schema.listMapKeys && schema.listMapKeys.length > 0) return { kind: 'map', keys: [...schema.listMapKeys] };
    if (schema.patchMergeKey) return { kind: 'map', keys: [schema.patchMergeKey] };
    return { kind: 'set' };
  }
  return { kind: 'atomic' };
}

/** Maps and objects are granular unless declared atomic. */
export function isAtomicMap(schema: PatchSchema | undefined): boolean {
  return schema?.mapType === 'atomic';
}
