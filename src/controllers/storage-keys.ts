/**
 * Work-queue keys of the storage controllers, which queue claims and volumes together:
 * `claim:<namespace>/<name>` and `volume:<name>`.
 */
import { isConflict, isNotFound, splitKey } from './owners.js';

export const claimKey = (namespace: string, name: string): string => `claim:${namespace}/${name}`;
export const volumeKey = (name: string): string => `volume:${name}`;

export interface StorageKeyHandlers {
  claim(namespace: string, name: string): Promise<void>;
  volume(name: string): Promise<void>;
}

/**
 * Hands the key to its handler. An object gone or changed meanwhile (NotFound, Conflict) is not
 * an error: the informer brings the news and another sync.
 */
export async function syncStorageKey(key: string, handlers: StorageKeyHandlers): Promise<void> {
  try {
    if (key.startsWith('volume:')) return await handlers.volume(key.slice('volume:'.length));
    const { namespace, name } = splitKey(key.slice('claim:'.length));
    return await handlers.claim(namespace, name);
  } catch (error: unknown) {
    if (isNotFound(error) || isConflict(error)) return;
    throw error;
  }
}
