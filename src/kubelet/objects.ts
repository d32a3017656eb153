import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import { statusCode } from './util.js';

/** Reads an object a pod refers to (ConfigMap, Secret, claim, volume); undefined when it does not exist. */
export type ReadObject = (plural: 'configmaps' | 'secrets' | 'persistentvolumeclaims' | 'persistentvolumes', namespace: string | undefined, name: string) => Promise<KubeObject | undefined>;

export function objectReader(client: Client): ReadObject {
  return async (plural, namespace, name) => {
    try {
      return await client.get({ apiVersion: 'v1', plural }, namespace, name);
    } catch (error: unknown) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  };
}

/** The key → bytes content of a ConfigMap (data and binaryData) or a Secret (base64 data). */
export function objectData(plural: 'configmaps' | 'secrets', object: KubeObject): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const data = (object.data ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string') continue;
    out.set(key, plural === 'secrets' ? Buffer.from(value, 'base64') : Buffer.from(value, 'utf8'));
  }
  if (plural === 'configmaps') {
    for (const [key, value] of Object.entries((object.binaryData ?? {}) as Record<string, unknown>)) {
      if (typeof value === 'string') out.set(key, Buffer.from(value, 'base64'));
    }
  }
  return out;
}

/** How kubelet names a missing object in its errors: `configmap "x" not found`. */
export const notFoundMessage = (plural: 'configmaps' | 'secrets', name: string): string => `${plural === 'configmaps' ? 'configmap' : 'secret'} "${name}" not found`;
