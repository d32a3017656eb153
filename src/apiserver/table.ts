import type { KubeObject, ResourceDefinition, TableColumn } from '../api/types.js';

/** The columns a resource without its own printer gets, as upstream's default table convertor. */
const defaultColumns: TableColumn[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
  { name: 'Created At', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
];

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Builds a meta.k8s.io/v1 Table for objects of one resource (kubectl get's format). */
export function toTable(
  definition: ResourceDefinition,
  objects: KubeObject[],
  listMetadata: Record<string, unknown>,
  includeObject: IncludeObject,
  now: Date,
  withColumns = true,
): Record<string, unknown> {
  const table = definition.table;
  const columns = table ? table.columns : defaultColumns;
  const rows = objects.map((object) => {
    const cells = table ? table.cells(object, now) : [object.metadata.name ?? '', object.metadata.creationTimestamp ?? ''];
    const row: Record<string, unknown> = { cells };
    if (includeObject === 'Metadata') row.object = partialMetadata(object);
    else if (includeObject === 'Object') row.object = object;
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMetadata,
    columnDefinitions: withColumns ? columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })) : [],
    rows,
  };
}

/** The metadata-only form of an object (meta.k8s.io/v1 PartialObjectMetadata). */
export function partialMetadata(object: KubeObject): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}
