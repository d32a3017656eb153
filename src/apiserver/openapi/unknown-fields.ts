import { isRecord, loadSchemas, resolve, schemaNameFor, type Schema } from './schemas.js';

/**
 * The fields of `object` its kind's schema does not declare, spelled as upstream's strict
 * decoding reports them (`spec.containers[0].imagex`), in document order. Maps (labels, data)
 * take any key; free-form values (RawExtension, FieldsV1, preserve-unknown-fields) are not
 * descended; a kind without a schema (e.g. a custom resource) reports nothing.
 */
export function unknownFields(group: string, version: string, kind: string, object: unknown): string[] {
  const name = schemaNameFor(group, version, kind);
  const schema = name ? loadSchemas().schemas[name] : undefined;
  if (!schema) return [];
  const found: string[] = [];
  walk(object, schema, '', found);
  return found;
}

/** True when a dotted field path (`spec.containers.ports`) names a field of the kind's schema. */
export function fieldPathExists(group: string, version: string, kind: string, path: string): boolean {
  const name = schemaNameFor(group, version, kind);
  let schema = resolve(name ? loadSchemas().schemas[name] : undefined);
  if (!schema) return false;
  for (const part of path.split('.').filter((p) => p !== '')) {
    while (schema?.type === 'array') schema = resolve(schema.items);
    const next: Schema | undefined = schema?.properties?.[part] ?? schema?.additionalProperties;
    if (!next) return false;
    schema = resolve(next);
  }
  return true;
}

function walk(value: unknown, declared: Schema | undefined, path: string, found: string[]): void {
  const schema = resolve(declared);
  if (!schema || value === null || value === undefined) return;
  if (Array.isArray(value)) {
    if (schema.type !== 'array') return;
    value.forEach((item, index) => walk(item, schema.items, `${path}[${index}]`, found));
    return;
  }
  if (!isRecord(value)) return;
  if (schema.properties) {
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      const property = schema.properties[key];
      if (property) walk(child, property, childPath, found);
      else found.push(childPath);
    }
  } else if (schema.additionalProperties) {
    for (const [key, child] of Object.entries(value)) walk(child, schema.additionalProperties, path ? `${path}.${key}` : key, found);
  }
  // Anything else is free-form: no declared fields to compare with.
}
