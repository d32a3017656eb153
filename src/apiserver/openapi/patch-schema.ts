import type { PatchSchema } from '../../api/types.js';
import { resolve, schemaNameFor, loadSchemas, type Schema } from './schemas.js';

/**
 * A navigable node of a schema. `declared` is the schema as written where the node is used
 * (a property or items, which carries the patch extensions); `resolved` is what it refers to.
 */
class SchemaNode implements PatchSchema {
  readonly shape: PatchSchema['shape'];
  readonly patchMergeKey?: string;
  readonly patchStrategy?: string;
  readonly listType?: 'atomic' | 'set' | 'map';
  readonly listMapKeys?: string[];
  readonly mapType?: 'atomic' | 'granular';
  private readonly resolved: Schema | undefined;

  constructor(declared: Schema) {
    this.resolved = resolve(declared);
    this.shape = shapeOf(this.resolved);
    this.patchMergeKey = declared['x-kubernetes-patch-merge-key'];
    this.patchStrategy = declared['x-kubernetes-patch-strategy'];
    this.listType = declared['x-kubernetes-list-type'];
    this.listMapKeys = declared['x-kubernetes-list-map-keys'];
    // Map/struct atomicity may sit on the field (nodeSelector) or on the type (LabelSelector).
    this.mapType = declared['x-kubernetes-map-type'] ?? this.resolved?.['x-kubernetes-map-type'];
  }

  field(name: string): PatchSchema | undefined {
    const property = this.resolved?.properties?.[name];
    return property ? new SchemaNode(property) : undefined;
  }

  elements(): PatchSchema | undefined {
    const inner = this.shape === 'list' ? this.resolved?.items : this.shape === 'map' ? this.resolved?.additionalProperties : undefined;
    return inner ? new SchemaNode(inner) : undefined;
  }
}

function shapeOf(schema: Schema | undefined): PatchSchema['shape'] {
  if (!schema) return 'unknown';
  if (schema.type === 'array') return 'list';
  if (schema.properties) return 'object';
  if (schema.additionalProperties) return 'map';
  if (schema.type === 'object' || schema['x-kubernetes-preserve-unknown-fields']) return 'unknown';
  return 'primitive';
}

/** Patch metadata of a served kind (merge keys, strategies, list and map types), or undefined for unknown kinds. */
export function patchSchemaFor(group: string, version: string, kind: string): PatchSchema | undefined {
  const name = schemaNameFor(group, version, kind);
  if (!name || !loadSchemas().schemas[name]) return undefined;
  return new SchemaNode({ $ref: `#/components/schemas/${name}` });
}
