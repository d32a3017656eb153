import type { TableColumn } from '../types.js';

/** Column helpers: descriptions are the ones kube-apiserver sends (shortened where long). */
export const nameColumn: TableColumn = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.' };
export const ageColumn: TableColumn = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' };

export function column(name: string, type: TableColumn['type'] = 'string', description = '', priority = 0): TableColumn {
  return { name, type, description, priority };
}

export function wide(name: string, description = ''): TableColumn {
  return { name, type: 'string', description, priority: 1 };
}
