/**
 * RFC 7386 JSON Merge Patch: objects merge recursively, `null` deletes a member, and
 * anything that is not an object (arrays included) replaces the target outright.
 */
import { clone, isPlainObject, type JsonObject } from './values.js';

function merge(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const result: JsonObject = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = merge(result[key], value);
  }
  return result;
}

export function applyMergePatch(document: unknown, patch: unknown): unknown {
  // Copy first: `merge` shares untouched subtrees with its target.
  return merge(clone(document), patch);
}
