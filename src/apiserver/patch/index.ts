/**
 * PATCH support for the API server: body decoding per media type, the three classic
 * patch flavours, server-side apply and managedFields tracking for ordinary writes.
 */
export { PatchError, type PatchErrorCause } from './errors.js';
export { decodePatchBody, UNSUPPORTED_PATCH_MESSAGE, type DecodedPatch, type PatchType } from './decode.js';
export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic.js';
export { applyServerSide, type ApplyArgs } from './apply.js';
export { updateManagedFields, type UpdateManagedFieldsArgs } from './managed-fields.js';
export { FieldSet, printPath, type FieldPath } from './fieldset.js';
