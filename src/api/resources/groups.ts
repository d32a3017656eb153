import type { ResourceDefinition } from '../types.js';
import {
  controllerRevisionTable, cronJobTable, daemonSetTable, deploymentTable, endpointSliceTable, jobTable, leaseTable,
  podDisruptionBudgetTable, priorityClassTable, replicaSetTable, roleBindingTable, statefulSetTable, storageClassTable,
} from '../printing/workloads.js';
import { eventTable } from '../printing/core.js';
import { obj, str } from '../printing/values.js';
import { define } from './define.js';

const apps = { group: 'apps', version: 'v1' };
const batch = { group: 'batch', version: 'v1' };
const rbac = { group: 'rbac.authorization.k8s.io', version: 'v1' };
const replicas = { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' };

/** apps, batch, coordination, discovery, events, policy, storage and rbac resources. */
export const groupResources: ResourceDefinition[] = [
  define({ ...apps, kind: 'Deployment', plural: 'deployments', namespaced: true, shortNames: ['deploy'], categories: ['all'], hasStatus: true, scale: replicas, generationTracksSpec: true, table: deploymentTable }),
  define({ ...apps, kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, shortNames: ['rs'], categories: ['all'], hasStatus: true, scale: replicas, generationTracksSpec: true, table: replicaSetTable,
    strategy: { selectableFields: (o) => ({ 'status.replicas': String(obj(o.status).replicas ?? 0) }) } }),
  define({ ...apps, kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, shortNames: ['sts'], categories: ['all'], hasStatus: true, scale: replicas, generationTracksSpec: true, table: statefulSetTable }),
  define({ ...apps, kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, shortNames: ['ds'], categories: ['all'], hasStatus: true, generationTracksSpec: true, table: daemonSetTable }),
  define({ ...apps, kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true, table: controllerRevisionTable }),
  define({ ...batch, kind: 'Job', plural: 'jobs', namespaced: true, categories: ['all'], hasStatus: true, generationTracksSpec: true, table: jobTable,
    strategy: { selectableFields: (o) => ({ 'status.successful': String(obj(o.status).succeeded ?? 0) }) } }),
  define({ ...batch, kind: 'CronJob', plural: 'cronjobs', namespaced: true, shortNames: ['cj'], categories: ['all'], hasStatus: true, generationTracksSpec: true, table: cronJobTable }),
  define({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true, table: leaseTable }),
  define({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true, table: endpointSliceTable }),
  define({ group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'], table: eventTable,
    strategy: { selectableFields: (o) => {
      const regarding = obj(o.regarding);
      return { 'regarding.kind': str(regarding.kind), 'regarding.name': str(regarding.name), 'regarding.namespace': str(regarding.namespace), reason: str(o.reason), type: str(o.type), reportingController: str(o.reportingController) };
    } } }),
  define({ group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true, shortNames: ['pdb'], hasStatus: true, generationTracksSpec: true, table: podDisruptionBudgetTable }),
  define({ group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false, shortNames: ['pc'], table: priorityClassTable }),
  define({ group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', plural: 'storageclasses', namespaced: false, shortNames: ['sc'], table: storageClassTable }),
  define({ ...rbac, kind: 'ClusterRole', plural: 'clusterroles', namespaced: false }),
  define({ ...rbac, kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false, table: roleBindingTable }),
  define({ ...rbac, kind: 'Role', plural: 'roles', namespaced: true }),
  define({ ...rbac, kind: 'RoleBinding', plural: 'rolebindings', namespaced: true, table: roleBindingTable }),
];

