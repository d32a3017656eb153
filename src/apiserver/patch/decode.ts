/**
 * Maps a PATCH request's Content-Type onto a patch flavour and parses its body.
 * kube-apiserver picks the patcher from the media type alone, so the same text means
 * different things under different types; unknown types are 415.
 */
import { parse as parseYaml } from 'yaml';
import { PatchError, badPatch } from './errors.js';
import { isPlainObject } from './values.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface DecodedPatch {
  type: PatchType;
  patch: unknown;
}

const MEDIA_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** Message kube-apiserver sends with 415 for a PATCH it cannot interpret. */
export const UNSUPPORTED_PATCH_MESSAGE =
  'the body of the request was in an unknown format - accepted media types include: ' +
  'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, ' +
  'application/strategic-merge-patch+json';

/** Strips parameters such as `; charset=utf-8` and normalises case. */
function mediaType(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi >= 0 ? contentType.slice(0, semi) : contentType).trim().toLowerCase();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw badPatch(`error decoding patch: ${detail}`);
  }
}

function parseApply(text: string): unknown {
  try {
    // YAML 1.2 is a superset of JSON, so JSON apply bodies parse here too.
    return parseYaml(text) as unknown;
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw badPatch(`error decoding YAML: ${detail}`);
  }
}

export function decodePatchBody(contentType: string, text: string): DecodedPatch {
  const type = MEDIA_TYPES[mediaType(contentType)];
  if (type === undefined) throw new PatchError(415, UNSUPPORTED_PATCH_MESSAGE);

  switch (type) {
    case 'json': {
      const patch = parseJson(text);
      if (!Array.isArray(patch)) {
        throw badPatch('json patch must be an array');
      }
      return { type, patch };
    }
    case 'merge':
    case 'strategic': {
      const patch = parseJson(text);
      if (!isPlainObject(patch)) {
        throw badPatch('patch must be a JSON object');
      }
      return { type, patch };
    }
    case 'apply': {
      const patch = parseApply(text);
      if (!isPlainObject(patch)) {
        throw badPatch('error decoding YAML: apply patch must be an object');
      }
      return { type, patch };
    }
  }
}
