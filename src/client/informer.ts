import type { KubeObject } from '../api/types.js';
import type { Client, ResourceRef } from './types.js';

export interface InformerHandlers<T extends KubeObject> {
  add?(object: T): void;
  update?(old: T, object: T): void;
  delete?(object: T): void;
}

export interface InformerOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Pause before relisting after a failed or expired watch. */
  retryMs?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

const keyOf = (object: KubeObject): string => `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;

/**
 * A cache of one resource kept current by list-then-watch (client-go's shared informer,
 * small): handlers hear adds, updates and deletes; reads come from memory. A watch that
 * ends or expires (410) is followed by a relist that reports what changed meanwhile.
 */
export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private syncedOnce = false;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly client: Client, readonly ref: ResourceRef, private readonly namespace?: string, private readonly options: InformerOptions = {}) {}

  on(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
    // Late subscribers hear the current content as adds.
    if (this.syncedOnce) for (const object of this.cache.values()) handlers.add?.(object);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(`${namespace ?? ''}/${name}`);
  }

  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  hasSynced(): boolean {
    return this.syncedOnce;
  }

  /** Resolves once the first list has been loaded. */
  synced(): Promise<void> {
    return this.syncedOnce ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Lists and watches until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const list = await this.client.list<T>(this.ref, this.namespace, { labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector });
        this.replace(list.items);
        let resourceVersion = list.resourceVersion;
        for await (const event of this.client.watch<T>(this.ref, this.namespace, { resourceVersion, labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector, allowWatchBookmarks: true }, signal)) {
          if (event.type === 'ERROR') break;
          resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
          if (event.type === 'BOOKMARK') continue;
          if (event.type === 'DELETED') this.remove(event.object);
          else this.upsert(event.object);
        }
      } catch (error: unknown) {
        if (signal.aborted) return;
        this.options.log?.('informer watch failed; relisting', { resource: this.ref.plural, error: error instanceof Error ? error.message : String(error) });
      }
      if (!signal.aborted) await new Promise((r) => setTimeout(r, this.options.retryMs ?? 200));
    }
  }

  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const object of items) {
      seen.add(keyOf(object));
      this.upsert(object);
    }
    for (const [key, object] of this.cache) if (!seen.has(key)) this.remove(object);
    if (!this.syncedOnce) {
      this.syncedOnce = true;
      for (const resolve of this.waiters.splice(0)) resolve();
    }
  }

  private upsert(object: T): void {
    const key = keyOf(object);
    const old = this.cache.get(key);
    if (old && old.metadata.resourceVersion === object.metadata.resourceVersion) return;
    this.cache.set(key, object);
    for (const h of this.handlers) {
      if (old) h.update?.(old, object);
      else h.add?.(object);
    }
  }

  private remove(object: T): void {
    const key = keyOf(object);
    const old = this.cache.get(key);
    if (!old) return;
    this.cache.delete(key);
    for (const h of this.handlers) h.delete?.(object);
  }
}
