import type { KubeObject, ResourceDefinition } from '../../api/types.js';
import { StoreError } from '../../storage/types.js';
import { badRequest, gone, type StatusBody } from '../errors.js';
import type { Registry } from './engine.js';
import { listObjects, parseSelection, selects } from './list.js';
import { apiVersionOf, listPrefix } from './objects.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One event of a watch stream, as metav1.WatchEvent. */
export interface ObjectEvent {
  type: WatchEventType;
  object: KubeObject | StatusBody;
}

export interface WatchOptions {
  /** Called once the request is known to be valid and events are about to flow (headers can be sent). */
  onStarted?: () => void;
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  /** Watch-list: initial ADDED events, then a BOOKMARK annotated `k8s.io/initial-events-end`. */
  sendInitialEvents?: boolean;
  /** How often to send bookmarks (default one minute, like kube-apiserver). */
  bookmarkIntervalMs?: number;
}

/**
 * Streams a resource's changes to `emit` until `signal` aborts. Without a resourceVersion
 * (or "0") it first sends the current objects as ADDED; a compacted resourceVersion ends
 * with an ERROR event carrying a 410 Expired Status, as kube-apiserver does.
 */
export async function watchObjects(
  registry: Registry,
  definition: ResourceDefinition,
  namespace: string | undefined,
  options: WatchOptions,
  emit: (event: ObjectEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const selection = parseSelection(definition, options);
  const rv = options.resourceVersion ?? '';
  let after: number;
  const initial = rv === '' || rv === '0' || options.sendInitialEvents === true;
  if (initial) {
    const page = await listObjects(registry, definition, namespace, { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector });
    for (const item of page.items) emit({ type: 'ADDED', object: item });
    after = Number(page.resourceVersion);
    if (options.sendInitialEvents) {
      emit({ type: 'BOOKMARK', object: bookmark(definition, after, true) });
    }
  } else {
    if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${rv}`);
    after = Number(rv);
  }
  let lastSeen = after;
  options.onStarted?.();
  const timer = options.allowWatchBookmarks
    ? setInterval(() => emit({ type: 'BOOKMARK', object: bookmark(definition, lastSeen, false) }), options.bookmarkIntervalMs ?? 60_000)
    : undefined;
  timer?.unref();
  try {
    for await (const change of registry.store.watch(listPrefix(definition, namespace), after, signal)) {
      lastSeen = change.revision;
      const object = registry.withTypeMeta(definition, JSON.parse(change.value) as KubeObject);
      object.metadata.resourceVersion = String(change.revision);
      const matches = selects(definition, selection, object);
      if (change.type === 'ADDED') {
        if (matches) emit({ type: 'ADDED', object });
      } else if (change.type === 'DELETED') {
        if (matches) emit({ type: 'DELETED', object });
      } else {
        const previous = change.previousValue ? (JSON.parse(change.previousValue) as KubeObject) : undefined;
        const matched = previous ? selects(definition, selection, previous) : true;
        // An object leaving the selection is reported as DELETED, entering as ADDED.
        if (matches && matched) emit({ type: 'MODIFIED', object });
        else if (matches) emit({ type: 'ADDED', object });
        else if (matched) emit({ type: 'DELETED', object });
      }
    }
  } catch (error: unknown) {
    if (error instanceof StoreError && error.code === 'Compacted') {
      emit({ type: 'ERROR', object: gone(`too old resource version: ${after} (${registry.store.compactRevision()})`).toStatus() });
      return;
    }
    if (signal.aborted) return;
    throw error;
  } finally {
    if (timer) clearInterval(timer);
  }
}

function bookmark(definition: ResourceDefinition, revision: number, initialEventsEnd: boolean): KubeObject {
  const metadata: KubeObject['metadata'] = { resourceVersion: String(revision) };
  if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
  return { kind: definition.kind, apiVersion: apiVersionOf(definition), metadata };
}
