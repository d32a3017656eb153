/**
 * Server-side apply conflicts and the 409 kube-apiserver reports for them. The wording
 * follows k8s.io/apiserver's fieldmanager (getConflictMessage / printManager) because
 * kubectl and users pattern-match on it ("--force-conflicts" hints and the like).
 */
import type { ManagedFieldsEntry } from '../../api/types.js';
import { PatchError, type PatchErrorCause } from './errors.js';
import { type FieldPath, printPath } from './fieldset.js';

export interface Conflict {
  manager: ManagedFieldsEntry;
  path: FieldPath;
}

/**
 * `"name"`, plus the subresource when there is one, plus `using <apiVersion>` for Update
 * managers (appliers are identified without their version). Time is never printed
 * because kube drops it from manager identifiers.
 */
export function describeManager(entry: ManagedFieldsEntry): string {
  let out = JSON.stringify(entry.manager ?? '');
  if (entry.subresource) out += ` with subresource ${JSON.stringify(entry.subresource)}`;
  if (entry.operation === 'Update') out += ` using ${entry.apiVersion ?? ''}`;
  return out;
}

function managerSortKey(entry: ManagedFieldsEntry): string {
  return `${entry.manager ?? ''}\u0000${entry.operation ?? ''}\u0000${entry.subresource ?? ''}\u0000${entry.apiVersion ?? ''}`;
}

/** Field-path order as structured-merge-diff iterates sets: element by element. */
function comparePaths(a: FieldPath, b: FieldPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}

export function conflictError(conflicts: Conflict[]): PatchError {
  const sorted = [...conflicts].sort(
    (x, y) => managerSortKey(x.manager).localeCompare(managerSortKey(y.manager)) || comparePaths(x.path, y.path),
  );
  const causes: PatchErrorCause[] = sorted.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeManager(c.manager)}`,
    field: printPath(c.path),
  }));

  if (sorted.length === 1) {
    const only = sorted[0]!;
    return new PatchError(
      409,
      `Apply failed with 1 conflict: conflict with ${describeManager(only.manager)}: ${printPath(only.path)}`,
      causes,
    );
  }

  const lines: string[] = [];
  let previous: string | undefined;
  for (const c of sorted) {
    const key = managerSortKey(c.manager);
    if (key !== previous) {
      lines.push(`conflicts with ${describeManager(c.manager)}:`);
      previous = key;
    }
    lines.push(`- ${printPath(c.path)}`);
  }
  return new PatchError(409, `Apply failed with ${sorted.length} conflicts: ${lines.join('\n')}`, causes);
}
