import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import { Informer } from '../client/informer.js';
import { statusCode } from './util.js';

/** Reads an object a pod refers to (ConfigMap, Secret, claim, volume); undefined when it does not exist. */
export type ReadObject = (plural: 'configmaps' | 'secrets' | 'persistentvolumeclaims' | 'persistentvolumes', namespace: string | undefined, name: string) => Promise<KubeObject | undefined>;

/** A ReadObject whose ConfigMaps and Secrets come from watch caches, and how to stop them. */
export interface CachedReader {
  read: ReadObject;
  stop(): void;
}

/**
 * Reads through the API, but ConfigMaps and Secrets (read by every sync of every pod that
 * mounts or references one) from shared watch caches, as kubelet's default Watch change
 * detection does; an object not in the cache yet is fetched, so a fresh one is never missed.
 */
export function objectReader(client: Client): CachedReader {
  const stop = new AbortController();
  const caches = new Map<string, Informer>();
  const get = async (plural: Parameters<ReadObject>[0], namespace: string | undefined, name: string): Promise<KubeObject | undefined> => {
    try {
      return await client.get({ apiVersion: 'v1', plural }, namespace, name);
    } catch (error: unknown) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  };
  const read: ReadObject = async (plural, namespace, name) => {
    if ((plural === 'configmaps' || plural === 'secrets') && !stop.signal.aborted) {
      let cache = caches.get(plural);
      if (!cache) {
        cache = new Informer(client, { apiVersion: 'v1', plural });
        caches.set(plural, cache);
        void cache.run(stop.signal);
      }
      if (cache.hasSynced()) {
        const cached = cache.get(namespace, name);
        if (cached) return cached;
      }
    }
    return get(plural, namespace, name);
  };
  return { read, stop: () => stop.abort() };
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
