/**
 * RFC 6902 JSON Patch, with error wording modelled on evanphx/json-patch (the library
 * kube-apiserver uses) so kubectl users see familiar messages. A malformed operation is
 * a 400; an operation that does not fit the document (missing path, failed `test`) is a
 * 422, which is how kube-apiserver reports patch application failures.
 */
import { badPatch, invalidPatch } from './errors.js';
import { clone, deepEqual, isPlainObject } from './values.js';

/** kube-apiserver refuses JSON patches with more operations than this. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
  hasValue: boolean;
}

/** Splits a JSON pointer into unescaped reference tokens (`~1` is `/`, `~0` is `~`). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badPatch(`invalid JSON pointer: "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function readOperation(raw: unknown, index: number): Operation {
  if (!isPlainObject(raw)) throw badPatch(`json patch operation ${index} is not an object`);
  const { op, path, from } = raw;
  if (typeof op !== 'string') throw badPatch(`json patch operation ${index}: missing "op"`);
  if (typeof path !== 'string') throw badPatch(`json patch operation ${index}: missing "path"`);
  if (from !== undefined && typeof from !== 'string') {
    throw badPatch(`json patch operation ${index}: "from" must be a string`);
  }
  const hasValue = Object.prototype.hasOwnProperty.call(raw, 'value');
  return { op, path, from, value: raw.value, hasValue };
}

/** Array index token: digits only (no sign, no leading zeros) per RFC 6901. */
function arrayIndex(token: string, length: number, allowEnd: boolean): number | undefined {
  if (token === '-') return allowEnd ? length : undefined;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const i = Number(token);
  const limit = allowEnd ? length : length - 1;
  return i <= limit ? i : undefined;
}

/** Follows all tokens but the last, returning the container that holds the target. */
function resolveParent(doc: unknown, tokens: string[]): unknown {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) {
      const i = arrayIndex(token, node.length, false);
      if (i === undefined) return undefined;
      node = node[i];
    } else if (isPlainObject(node) && Object.prototype.hasOwnProperty.call(node, token)) {
      node = node[token];
    } else {
      return undefined;
    }
  }
  return node;
}

function getValue(doc: unknown, tokens: string[]): { found: boolean; value?: unknown } {
  if (tokens.length === 0) return { found: true, value: doc };
  const parent = resolveParent(doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, false);
    return i === undefined ? { found: false } : { found: true, value: parent[i] };
  }
  if (isPlainObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) {
    return { found: true, value: parent[last] };
  }
  return { found: false };
}

/** Each mutator returns the (possibly new) root, since ops on "" replace the document. */
function addValue(doc: unknown, tokens: string[], value: unknown, path: string, op: string): unknown {
  if (tokens.length === 0) return value;
  const parent = resolveParent(doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, true);
    if (i === undefined) {
      throw invalidPatch(`${op} operation does not apply: index out of bounds: "${path}"`);
    }
    parent.splice(i, 0, value);
  } else if (isPlainObject(parent)) {
    parent[last] = value;
  } else {
    throw invalidPatch(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  return doc;
}

function removeValue(doc: unknown, tokens: string[], path: string, op: string): unknown {
  if (tokens.length === 0) return null;
  const parent = resolveParent(doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, false);
    if (i !== undefined) {
      parent.splice(i, 1);
      return doc;
    }
  } else if (isPlainObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) {
    delete parent[last];
    return doc;
  }
  if (op === 'remove') throw invalidPatch(`Unable to remove nonexistent key: ${last}: missing value`);
  throw invalidPatch(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
}

function replaceValue(doc: unknown, tokens: string[], value: unknown, path: string): unknown {
  if (tokens.length === 0) return value;
  const parent = resolveParent(doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, false);
    if (i !== undefined) {
      parent[i] = value;
      return doc;
    }
  } else if (isPlainObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) {
    parent[last] = value;
    return doc;
  }
  throw invalidPatch(`replace operation does not apply: doc is missing key: ${path}: missing value`);
}

function applyOperation(doc: unknown, operation: Operation): unknown {
  const { op, path } = operation;
  const tokens = parsePointer(path);
  const needValue = (): unknown => {
    if (!operation.hasValue) throw badPatch(`${op} operation does not apply: missing value for "${path}"`);
    return clone(operation.value);
  };
  const needFrom = (): string[] => {
    if (operation.from === undefined) throw badPatch(`${op} operation does not apply: missing "from"`);
    return parsePointer(operation.from);
  };

  switch (op) {
    case 'add':
      return addValue(doc, tokens, needValue(), path, op);
    case 'remove':
      return removeValue(doc, tokens, path, op);
    case 'replace':
      return replaceValue(doc, tokens, needValue(), path);
    case 'move': {
      const from = needFrom();
      // Moving a value into its own child would leave nothing to hold it.
      if (from.length < tokens.length && from.every((t, i) => tokens[i] === t)) {
        throw invalidPatch(`move operation does not apply: "from" is a prefix of "path": "${path}"`);
      }
      const got = getValue(doc, from);
      if (!got.found) {
        throw invalidPatch(`move operation does not apply: doc is missing from path: "${operation.from}": missing value`);
      }
      const removed = removeValue(doc, from, operation.from ?? '', op);
      return addValue(removed, tokens, got.value, path, op);
    }
    case 'copy': {
      const from = needFrom();
      const got = getValue(doc, from);
      if (!got.found) {
        throw invalidPatch(`copy operation does not apply: doc is missing from path: "${operation.from}": missing value`);
      }
      return addValue(doc, tokens, clone(got.value), path, op);
    }
    case 'test': {
      const expected = operation.hasValue ? operation.value : null;
      const got = getValue(doc, tokens);
      // RFC 6902: a missing member never equals anything, except evanphx treats
      // testing a missing path against null as success.
      const ok = got.found ? deepEqual(got.value, expected) : expected === null;
      if (!ok) throw invalidPatch(`testing value ${path} failed: test failed`);
      return doc;
    }
    default:
      throw badPatch(`Unexpected kind: ${op}`);
  }
}

export function applyJsonPatch(document: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badPatch('json patch must be an array');
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw badPatch(
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  }
  const operations = patch.map((raw, i) => readOperation(raw, i));
  let doc = clone(document);
  for (const operation of operations) doc = applyOperation(doc, operation);
  return doc;
}
