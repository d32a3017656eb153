import type { KubeObject } from '../../api/types.js';
import { watchObjects, type ObjectEvent } from '../registry/watch.js';
import { partialMetadata, toTable } from '../table.js';
import type { ResourceCall } from './context.js';
import { negotiate } from './negotiate.js';
import { booleanParam, integerParam } from './query.js';

/** kube-apiserver's default upper bound for a watch without timeoutSeconds (30 min). */
const defaultWatchSeconds = 1800;

/**
 * Serves a watch: one JSON `{"type","object"}` per line, flushed per event, until the
 * client goes away or timeoutSeconds passes. Tables carry column definitions once.
 */
export async function serveWatch(call: ResourceCall): Promise<void> {
  const { query, definition, context, response, info } = call;
  const mode = negotiate(call.request.headers.accept);
  const timeoutSeconds = integerParam(query, 'timeoutSeconds') ?? defaultWatchSeconds;
  let fieldSelector = query.get('fieldSelector') ?? undefined;
  if (info.name) fieldSelector = [`metadata.name=${info.name}`, fieldSelector].filter(Boolean).join(',');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, timeoutSeconds) * 1000);
  timer.unref();
  response.on('close', () => controller.abort());
  let first = true;
  const start = (): void => {
    if (response.headersSent) return;
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    // Clients wait for the response before they trust the watch is established.
    (response as { flushHeaders?: () => void }).flushHeaders?.();
  };
  const emit = (event: ObjectEvent): void => {
    start();
    let object: unknown = event.object;
    const isObject = event.type !== 'ERROR';
    if (isObject && mode === 'table') {
      const item = event.object as KubeObject;
      object = toTable(definition, [item], { resourceVersion: item.metadata.resourceVersion }, 'Metadata', context.now(), first);
      first = false;
    } else if (isObject && mode === 'partial') {
      object = partialMetadata(event.object as KubeObject);
    }
    (response as { write(chunk: string): boolean }).write(JSON.stringify({ type: event.type, object }) + '\n');
  };
  try {
    await watchObjects(context.registry, definition, info.namespace, {
      resourceVersion: query.get('resourceVersion') ?? undefined,
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector,
      allowWatchBookmarks: booleanParam(query, 'allowWatchBookmarks'),
      sendInitialEvents: query.get('sendInitialEvents') === 'true',
      onStarted: start,
    }, emit, controller.signal);
  } finally {
    clearTimeout(timer);
  }
  if (!response.headersSent) response.writeHead(200, { 'content-type': 'application/json' });
  response.end();
}
