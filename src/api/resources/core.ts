import type { ResourceDefinition } from '../types.js';
import { configMapTable, endpointsTable, eventTable, namespaceTable, nodeTable, persistentVolumeClaimTable, persistentVolumeTable, podTemplateTable, resourceQuotaTable, secretTable, serviceAccountTable, serviceTable } from '../printing/core.js';
import { podTable } from '../printing/pods.js';
import { obj, str } from '../printing/values.js';
import { bindPod, finalizeNamespace, namespaceStrategy, podStrategy } from '../strategy/pods.js';
import { define } from './define.js';

const core = { group: '', version: 'v1' };

function eventFields(o: { [k: string]: unknown }): Record<string, string> {
  const involved = obj(o.involvedObject);
  const source = obj(o.source);
  return {
    'involvedObject.kind': str(involved.kind),
    'involvedObject.namespace': str(involved.namespace),
    'involvedObject.name': str(involved.name),
    'involvedObject.uid': str(involved.uid),
    'involvedObject.apiVersion': str(involved.apiVersion),
    'involvedObject.resourceVersion': str(involved.resourceVersion),
    'involvedObject.fieldPath': str(involved.fieldPath),
    reason: str(o.reason),
    reportingComponent: str(o.reportingComponent),
    source: str(source.component),
    type: str(o.type),
  };
}

/** core/v1 resources. */
export const coreResources: ResourceDefinition[] = [
  define({ ...core, kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'], hasStatus: true, table: namespaceTable, strategy: namespaceStrategy, partialSubresources: { finalize: finalizeNamespace } }),
  define({
    ...core, kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po'], categories: ['all'], hasStatus: true, table: podTable, strategy: podStrategy,
    partialSubresources: { binding: bindPod },
    extraSubresources: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
      { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      { name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
    ],
  }),
  define({
    ...core, kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'], hasStatus: true, table: nodeTable,
    strategy: { selectableFields: (o) => ({ 'spec.unschedulable': obj(o.spec).unschedulable === true ? 'true' : 'false' }) },
    extraSubresources: [{ name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
  }),
  define({ ...core, kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc'], categories: ['all'], hasStatus: true, table: serviceTable,
    extraSubresources: [{ name: 'proxy', kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }] }),
  define({ ...core, kind: 'Endpoints', plural: 'endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'], table: endpointsTable }),
  define({ ...core, kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'], table: configMapTable }),
  define({ ...core, kind: 'Secret', plural: 'secrets', namespaced: true, table: secretTable, strategy: { selectableFields: (o) => ({ type: str(o.type) }) } }),
  define({ ...core, kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa'], table: serviceAccountTable,
    extraSubresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }] }),
  define({ ...core, kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'], table: eventTable, strategy: { selectableFields: eventFields } }),
  define({ ...core, kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, shortNames: ['pv'], hasStatus: true, table: persistentVolumeTable }),
  define({ ...core, kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, shortNames: ['pvc'], hasStatus: true, table: persistentVolumeClaimTable }),
  define({ ...core, kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true, shortNames: ['quota'], hasStatus: true, table: resourceQuotaTable }),
  define({ ...core, kind: 'LimitRange', plural: 'limitranges', namespaced: true, shortNames: ['limits'] }),
  define({ ...core, kind: 'PodTemplate', plural: 'podtemplates', namespaced: true, table: podTemplateTable }),
];

