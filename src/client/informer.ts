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
 * One list-then-watch loop and its cache, shared by every Informer of the same client,
 * resource and selectors (client-go's shared informer): ten controllers watching pods hold
 * one copy of them, not ten. Objects handed out are shared: handlers must not change them.
 */
class Reflector<T extends KubeObject> {
  readonly cache = new Map<string, T>();
  readonly handlers = new Set<InformerHandlers<T>>();
  syncedOnce = false;
  private readonly waiters: Array<() => void> = [];
  private runners = 0;
  private stop?: AbortController;
  private loop?: Promise<void>;

  constructor(private readonly client: Client, readonly ref: ResourceRef, private readonly namespace: string | undefined, private readonly options: InformerOptions) {}

  synced(): Promise<void> {
    return this.syncedOnce ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Runs while at least one Informer runs it; the last one to stop ends the loop. */
  async attach(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    this.runners++;
    if (!this.loop) {
      this.stop = new AbortController();
      this.loop = this.listAndWatch(this.stop.signal);
    }
    const loop = this.loop;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    if (--this.runners === 0) {
      this.stop?.abort();
      this.loop = undefined;
      await loop;
    }
  }

  private async listAndWatch(signal: AbortSignal): Promise<void> {
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
    if (!this.cache.has(key)) return;
    this.cache.delete(key);
    for (const h of this.handlers) h.delete?.(object);
  }
}

const reflectors = new WeakMap<Client, Map<string, Reflector<KubeObject>>>();

function sharedReflector<T extends KubeObject>(client: Client, ref: ResourceRef, namespace: string | undefined, options: InformerOptions): Reflector<T> {
  let byKey = reflectors.get(client);
  if (!byKey) reflectors.set(client, (byKey = new Map()));
  const key = [ref.apiVersion, ref.plural, namespace ?? '', options.labelSelector ?? '', options.fieldSelector ?? ''].join('\u0000');
  let reflector = byKey.get(key);
  if (!reflector) byKey.set(key, (reflector = new Reflector<KubeObject>(client, ref, namespace, options)));
  return reflector as unknown as Reflector<T>;
}

/**
 * A cache of one resource kept current by list-then-watch (client-go's shared informer,
 * small): handlers hear adds, updates and deletes; reads come from memory. A watch that
 * ends or expires (410) is followed by a relist that reports what changed meanwhile.
 * Informers of the same client, resource and selectors share one watch and one cache.
 */
export class Informer<T extends KubeObject = KubeObject> {
  private readonly reflector: Reflector<T>;
  private readonly mine = new Set<InformerHandlers<T>>();

  constructor(client: Client, readonly ref: ResourceRef, namespace?: string, options: InformerOptions = {}) {
    this.reflector = sharedReflector<T>(client, ref, namespace, options);
  }

  on(handlers: InformerHandlers<T>): void {
    this.mine.add(handlers);
    this.reflector.handlers.add(handlers);
    // Late subscribers hear the current content as adds.
    if (this.reflector.syncedOnce) for (const object of this.reflector.cache.values()) handlers.add?.(object);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.reflector.cache.get(`${namespace ?? ''}/${name}`);
  }

  list(namespace?: string): T[] {
    const all = [...this.reflector.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  hasSynced(): boolean {
    return this.reflector.syncedOnce;
  }

  /** Resolves once the first list has been loaded. */
  synced(): Promise<void> {
    return this.reflector.synced();
  }

  /** Lists and watches until the signal aborts (shared with other informers of the same kind). */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await this.reflector.attach(signal);
    } finally {
      for (const handlers of this.mine) this.reflector.handlers.delete(handlers);
    }
  }
}
