import type { KubeObject } from '../../api/types.js';
import { badRequest } from '../errors.js';
import { partialMetadata, toTable, type IncludeObject } from '../table.js';
import type { ResourceCall } from './context.js';
import { negotiate } from './negotiate.js';

/** The rendering the client asked for, with includeObject for Tables. */
export function rendering(call: ResourceCall): { mode: ReturnType<typeof negotiate>; include: IncludeObject } {
  const mode = negotiate(call.request.headers.accept);
  const include = (call.query.get('includeObject') ?? 'Metadata') as IncludeObject;
  if (!['None', 'Metadata', 'Object'].includes(include)) throw badRequest(`includeObject: Unsupported value: "${include}"`);
  return { mode, include };
}

/** Renders one object as the client asked. */
export function renderObject(call: ResourceCall, object: KubeObject): unknown {
  const { mode, include } = rendering(call);
  if (mode === 'table') return toTable(call.definition, [object], { resourceVersion: object.metadata.resourceVersion }, include, call.context.now());
  if (mode === 'partial') return partialMetadata(object);
  return object;
}

