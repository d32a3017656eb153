// OpenAPI v3 for kubectl and helm, and the schema facts the API server needs from it:
// patch metadata (strategic merge patch, server-side apply) and unknown-field detection
// (fieldValidation). Schemas come from scripts/gen-openapi.mjs at build time.
export { buildOpenApiV3, type OpenApiV3 } from './documents.js';
export { patchSchemaFor } from './patch-schema.js';
export { unknownFields, fieldPathExists } from './unknown-fields.js';
export { schemaNameFor, loadSchemas, type Schema, type SchemaCatalogue } from './schemas.js';
