/**
 * A tiny hand-built PatchSchema for a Pod, used by the unit tests (the real server
 * derives schemas from OpenAPI). Only the fields the tests touch are described.
 */
import type { PatchSchema } from '../../api/types.js';

interface NodeSpec {
  shape: PatchSchema['shape'];
  fields?: Record<string, PatchSchema>;
  elements?: PatchSchema;
  patchMergeKey?: string;
  patchStrategy?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic' | 'granular';
}

export function node(spec: NodeSpec): PatchSchema {
  const out: PatchSchema = {
    shape: spec.shape,
    field: (name: string) => spec.fields?.[name],
    elements: () => spec.elements,
  };
  if (spec.patchMergeKey !== undefined) out.patchMergeKey = spec.patchMergeKey;
  if (spec.patchStrategy !== undefined) out.patchStrategy = spec.patchStrategy;
  if (spec.listType !== undefined) out.listType = spec.listType;
  if (spec.listMapKeys !== undefined) out.listMapKeys = spec.listMapKeys;
  if (spec.mapType !== undefined) out.mapType = spec.mapType;
  return out;
}

const primitive = node({ shape: 'primitive' });
const stringMap = node({ shape: 'map', elements: primitive });

const envVar = node({ shape: 'object', fields: { name: primitive, value: primitive } });
const port = node({ shape: 'object', fields: { containerPort: primitive, protocol: primitive, name: primitive } });
const container = node({
  shape: 'object',
  fields: {
    name: primitive,
    image: primitive,
    args: node({ shape: 'list', elements: primitive, listType: 'atomic' }),
    env: node({ shape: 'list', elements: envVar, patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] }),
    ports: node({
      shape: 'list',
      elements: port,
      patchStrategy: 'merge',
      patchMergeKey: 'containerPort',
      listType: 'map',
      listMapKeys: ['containerPort', 'protocol'],
    }),
  },
});

const volume = node({
  shape: 'object',
  fields: { name: primitive, emptyDir: node({ shape: 'object' }), hostPath: node({ shape: 'object' }) },
});

const containers = node({ shape: 'list', elements: container, patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] });

export const podSchema: PatchSchema = node({
  shape: 'object',
  fields: {
    metadata: node({
      shape: 'object',
      fields: {
        labels: stringMap,
        annotations: stringMap,
        finalizers: node({ shape: 'list', elements: primitive, patchStrategy: 'merge', listType: 'set' }),
      },
    }),
    spec: node({
      shape: 'object',
      fields: {
        containers,
        initContainers: containers,
        volumes: node({ shape: 'list', elements: volume, patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] }),
        nodeSelector: node({ shape: 'map', elements: primitive, mapType: 'atomic' }),
        replicas: primitive,
        strategy: node({ shape: 'object', patchStrategy: 'retainKeys', fields: { type: primitive, rollingUpdate: node({ shape: 'object' }) } }),
      },
    }),
    status: node({ shape: 'object' }),
  },
});
