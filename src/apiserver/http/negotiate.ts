import { notAcceptable } from '../errors.js';

/** What shape of answer the client accepts for objects and lists. */
export type Rendering = 'object' | 'table' | 'partial';

/**
 * Picks the rendering from the Accept header, in the client's order: server-side
 * Table (`as=Table;g=meta.k8s.io`), PartialObjectMetadata, or plain JSON.
 */
export function negotiate(accept: string | undefined): Rendering {
  if (!accept) return 'object';
  let sawJson = false;
  for (const clause of accept.split(',')) {
    const [type, ...parameterTexts] = clause.split(';').map((s) => s.trim());
    const parameters = new Map(parameterTexts.map((p) => { const [k, v = ''] = p.split('='); return [k.trim(), v.trim()] as const; }));
    const json = type === 'application/json' || type === '*/*' || type === 'application/*' || type === 'application/yaml';
    if (!json) continue;
    const as = parameters.get('as');
    if (!as) {
      sawJson = true;
      return 'object';
    }
    if (parameters.get('g') !== 'meta.k8s.io') continue;
    if (as === 'Table') return 'table';
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return 'partial';
  }
  if (!sawJson && /application\/vnd\.kubernetes\.protobuf/.test(accept) && !/json|\*\/\*/.test(accept)) {
    throw notAcceptable('only the following media types are accepted: application/json, application/yaml');
  }
  return 'object';
}
