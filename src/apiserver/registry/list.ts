import type { KubeObject, ResourceDefinition } from '../../api/types.js';
import { badRequest } from '../errors.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, type FieldRequirement, type LabelSelector } from '../selectors.js';
import type { Registry } from './engine.js';
import { decodeStored, listPrefix, storedJson } from './objects.js';
import type { ListOptions } from './options.js';

/** A page of a list, as the List object's items and metadata. */
export interface ListPage {
  items: KubeObject[];
  /** With `asJson`: the items as JSON text, in place of `items`. */
  itemsJson?: string[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** Parsed selectors of a list or watch, checked against what the resource can select on. */
export interface Selection {
  labels: LabelSelector;
  fields: FieldRequirement[];
}

/** Field values an object can be selected by: metadata.name, metadata.namespace, and the strategy's. */
export function fieldsOf(definition: ResourceDefinition, object: KubeObject): Record<string, string | undefined> {
  const fields: Record<string, string | undefined> = { 'metadata.name': object.metadata.name };
  if (definition.namespaced) fields['metadata.namespace'] = object.metadata.namespace;
  return Object.assign(fields, definition.strategy.selectableFields?.(object) ?? {});
}

/** Parses and checks the selectors of a request; unknown field labels are a 400 as upstream. */
export function parseSelection(definition: ResourceDefinition, options: { labelSelector?: string; fieldSelector?: string }): Selection {
  const labels = parseLabelSelector(options.labelSelector);
  const fields = parseFieldSelector(options.fieldSelector);
  if (fields.length) {
    let known: string[];
    try {
      known = Object.keys(fieldsOf(definition, { metadata: {} }));
    } catch {
      known = ['metadata.name', 'metadata.namespace'];
    }
    for (const term of fields) {
      if (!known.includes(term.field)) throw badRequest(`field label not supported: ${term.field}`);
    }
  }
  return { labels, fields };
}

export function selects(definition: ResourceDefinition, selection: Selection, object: KubeObject): boolean {
  if (selection.labels.length && !matchesLabels(selection.labels, object.metadata.labels)) return false;
  if (selection.fields.length && !matchesFields(selection.fields, fieldsOf(definition, object))) return false;
  return true;
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rv, start: token.start })).toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && 'rv' in parsed && 'start' in parsed && typeof parsed.start === 'string' && typeof parsed.rv === 'number') {
      return { rv: parsed.rv, start: parsed.start };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

/**
 * Lists objects of a resource (one namespace or all), filtered by selectors, in pages.
 * Pages are served from the store's latest state; the token carries the last key.
 */
export async function listObjects(registry: Registry, definition: ResourceDefinition, namespace: string | undefined, options: ListOptions = {}): Promise<ListPage> {
  const selection = parseSelection(definition, options);
  const limit = options.limit && options.limit > 0 ? options.limit : 0;
  const prefix = listPrefix(definition, namespace);
  const startAfter = options.continue ? prefix + decodeContinue(options.continue).start : undefined;
  if (startAfter !== undefined && !startAfter.startsWith(prefix)) throw badRequest('continue key is not valid: key does not match the request');
  const filtering = selection.labels.length > 0 || selection.fields.length > 0;
  if (!filtering) {
    const result = await registry.store.list(prefix, { limit, startAfter });
    const page: ListPage = { items: [], resourceVersion: String(result.revision) };
    if (options.asJson) {
      // Stored text goes out as is: no parse and stringify per item.
      page.itemsJson = result.items.map((stored) => storedJson(stored) ?? JSON.stringify(registry.withTypeMeta(definition, decodeStored(definition, stored))));
    } else {
      page.items = result.items.map((stored) => registry.withTypeMeta(definition, decodeStored(definition, stored)));
    }
    if (limit && result.remaining > 0 && result.items.length) {
      page.continue = encodeContinue({ rv: result.revision, start: result.items[result.items.length - 1].key.slice(prefix.length) });
      page.remainingItemCount = result.remaining;
    }
    return page;
  }
  const result = await registry.store.list(prefix, { startAfter });
  const items: KubeObject[] = [];
  let lastKey = '';
  let more = false;
  for (const stored of result.items) {
    const object = decodeStored(definition, stored);
    if (!selects(definition, selection, object)) continue;
    if (limit && items.length === limit) {
      more = true;
      break;
    }
    items.push(registry.withTypeMeta(definition, object));
    lastKey = stored.key;
  }
  const page: ListPage = { items, resourceVersion: String(result.revision) };
  if (more) page.continue = encodeContinue({ rv: result.revision, start: lastKey.slice(prefix.length) });
  return page;
}
