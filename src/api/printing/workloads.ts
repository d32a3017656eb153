import type { KubeObject, TableDefinition } from '../types.js';
import { ageColumn, column, nameColumn, wide } from './columns.js';
import { age, humanDuration } from './duration.js';
import { arr, containersAndImages, mapText, num, obj, orNone, selectorText, str } from './values.js';

const ageOf = (o: KubeObject, now: Date) => age(o.metadata.creationTimestamp, now);
const workloadWide = [wide('Containers', 'Names of each container in the template.'), wide('Images', 'Images referenced by each container in the template.'), wide('Selector', 'Label selector for pods.')];

export const deploymentTable: TableDefinition = {
  columns: [nameColumn, column('Ready', 'string', 'Number of the pod with ready state'), column('Up-to-date', 'integer', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'integer', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'), ageColumn, ...workloadWide],
  cells: (o, now) => {
    const spec = obj(o.spec);
    const status = obj(o.status);
    const [containers, images] = containersAndImages(obj(spec.template).spec);
    return [o.metadata.name, `${num(status.readyReplicas)}/${num(spec.replicas)}`, num(status.updatedReplicas), num(status.availableReplicas), ageOf(o, now), containers, images, selectorText(spec.selector)];
  },
};

export const replicaSetTable: TableDefinition = {
  columns: [nameColumn, column('Desired', 'integer', 'Number of desired pods.'), column('Current', 'integer', 'Number of actual running pods.'), column('Ready', 'integer', 'Number of ready pods.'), ageColumn, ...workloadWide],
  cells: (o, now) => {
    const spec = obj(o.spec);
    const status = obj(o.status);
    const [containers, images] = containersAndImages(obj(spec.template).spec);
    return [o.metadata.name, num(spec.replicas), num(status.replicas), num(status.readyReplicas), ageOf(o, now), containers, images, selectorText(spec.selector)];
  },
};

export const statefulSetTable: TableDefinition = {
  columns: [nameColumn, column('Ready', 'string', 'Number of the pod with ready state'), ageColumn, workloadWide[0], workloadWide[1]],
  cells: (o, now) => {
    const spec = obj(o.spec);
    const [containers, images] = containersAndImages(obj(spec.template).spec);
    return [o.metadata.name, `${num(obj(o.status).readyReplicas)}/${num(spec.replicas)}`, ageOf(o, now), containers, images];
  },
};

export const daemonSetTable: TableDefinition = {
  columns: [nameColumn, column('Desired', 'integer'), column('Current', 'integer'), column('Ready', 'integer'), column('Up-to-date', 'integer'), column('Available', 'integer'),
    column('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node.'), ageColumn, ...workloadWide],
  cells: (o, now) => {
    const spec = obj(o.spec);
    const status = obj(o.status);
    const podSpec = obj(obj(spec.template).spec);
    const [containers, images] = containersAndImages(podSpec);
    return [o.metadata.name, num(status.desiredNumberScheduled), num(status.currentNumberScheduled), num(status.numberReady), num(status.updatedNumberScheduled),
      num(status.numberAvailable), mapText(podSpec.nodeSelector), ageOf(o, now), containers, images, selectorText(spec.selector)];
  },
};

const hasCondition = (o: KubeObject, type: string) => arr(obj(o.status).conditions).map(obj).some((c) => c.type === type && c.status === 'True');

export const jobTable: TableDefinition = {
  columns: [nameColumn, column('Status', 'string', 'Status of the job.'), column('Completions', 'string', 'The completion status of the job.'), column('Duration', 'string', 'Time required to complete the job.'), ageColumn, ...workloadWide],
  cells: (o, now) => {
    const spec = obj(o.spec);
    const status = obj(o.status);
    let completions: string;
    if (spec.completions !== undefined && spec.completions !== null) completions = `${num(status.succeeded)}/${num(spec.completions)}`;
    else completions = num(spec.parallelism) > 1 ? `${num(status.succeeded)}/1 of ${num(spec.parallelism)}` : `${num(status.succeeded)}/1`;
    let duration = '';
    const start = str(status.startTime);
    const completion = str(status.completionTime);
    if (start && !completion) duration = humanDuration(now.getTime() - Date.parse(start));
    else if (start && completion) duration = humanDuration(Date.parse(completion) - Date.parse(start));
    let state = 'Running';
    if (hasCondition(o, 'Complete')) state = 'Complete';
    else if (hasCondition(o, 'Failed')) state = 'Failed';
    else if (o.metadata.deletionTimestamp) state = 'Terminating';
    else if (hasCondition(o, 'SuccessCriteriaMet')) state = 'SuccessCriteriaMet';
    else if (hasCondition(o, 'FailureTarget')) state = 'FailureTarget';
    else if (hasCondition(o, 'Suspended')) state = 'Suspended';
    const [containers, images] = containersAndImages(obj(spec.template).spec);
    return [o.metadata.name, state, completions, duration, ageOf(o, now), containers, images, selectorText(spec.selector)];
  },
};

export const cronJobTable: TableDefinition = {
  columns: [nameColumn, column('Schedule', 'string', 'The schedule in Cron format.'), column('Timezone', 'string', 'The time zone name for the given schedule.'), column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions.'),
    column('Active', 'integer', 'A list of pointers to currently running jobs.'), column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'), ageColumn, ...workloadWide],
  cells: (o, now) => {
    const spec = obj(o.spec);
    const status = obj(o.status);
    const jobSpec = obj(obj(spec.jobTemplate).spec);
    const [containers, images] = containersAndImages(obj(jobSpec.template).spec);
    const last = str(status.lastScheduleTime);
    return [o.metadata.name, str(spec.schedule), orNone(str(spec.timeZone)), spec.suspend === true ? 'True' : 'False', arr(status.active).length,
      last ? age(last, now) : '<none>', ageOf(o, now), containers, images, selectorText(jobSpec.selector)];
  },
};

export const controllerRevisionTable: TableDefinition = {
  columns: [nameColumn, column('Controller', 'string', 'Controller of the object.'), column('Revision', 'integer', 'Revision indicates the revision of the state represented by Data.'), ageColumn],
  cells: (o, now) => {
    const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller);
    const controller = owner ? `${owner.kind.toLowerCase()}.${owner.apiVersion.split('/')[0]}/${owner.name}` : '<none>';
    return [o.metadata.name, controller, num(o.revision), ageOf(o, now)];
  },
};

export const leaseTable: TableDefinition = {
  columns: [nameColumn, column('Holder', 'string', 'The holder of the lease.'), ageColumn],
  cells: (o, now) => [o.metadata.name, str(obj(o.spec).holderIdentity), ageOf(o, now)],
};

export const endpointSliceTable: TableDefinition = {
  columns: [nameColumn, column('AddressType'), column('Ports'), column('Endpoints'), ageColumn],
  cells: (o, now) => {
    const ports = arr(o.ports).map(obj).map((p) => String(num(p.port)));
    const addresses = arr(o.endpoints).map(obj).flatMap((e) => arr(e.addresses).map((a) => str(a)));
    const shown = addresses.slice(0, 3).join(',') + (addresses.length > 3 ? ` + ${addresses.length - 3} more...` : '');
    return [o.metadata.name, str(o.addressType), ports.length ? ports.join(',') : '<unset>', addresses.length ? shown : '<unset>', ageOf(o, now)];
  },
};

export const podDisruptionBudgetTable: TableDefinition = {
  columns: [nameColumn, column('Min Available'), column('Max Unavailable'), column('Allowed Disruptions', 'integer'), ageColumn],
  cells: (o, now) => {
    const spec = obj(o.spec);
    return [o.metadata.name, spec.minAvailable === undefined ? 'N/A' : str(spec.minAvailable), spec.maxUnavailable === undefined ? 'N/A' : str(spec.maxUnavailable), num(obj(o.status).disruptionsAllowed), ageOf(o, now)];
  },
};

export const storageClassTable: TableDefinition = {
  columns: [nameColumn, column('Provisioner'), column('ReclaimPolicy'), column('VolumeBindingMode'), column('AllowVolumeExpansion', 'string'), ageColumn],
  cells: (o, now) => {
    const isDefault = o.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true';
    return [`${o.metadata.name ?? ''}${isDefault ? ' (default)' : ''}`, str(o.provisioner), str(o.reclaimPolicy, 'Delete'), str(o.volumeBindingMode, 'Immediate'), o.allowVolumeExpansion === true ? 'true' : 'false', ageOf(o, now)];
  },
};

export const priorityClassTable: TableDefinition = {
  columns: [nameColumn, column('Value', 'integer'), column('Global-Default', 'boolean'), ageColumn, column('PreemptionPolicy')],
  cells: (o, now) => [o.metadata.name, typeof o.value === 'number' ? o.value : 0, o.globalDefault === true, ageOf(o, now), str(o.preemptionPolicy, 'PreemptLowerPriority')],
};

export const roleBindingTable: TableDefinition = {
  columns: [nameColumn, column('Role', 'string', 'RoleRef is the reference to the role.'), ageColumn, wide('Users'), wide('Groups'), wide('ServiceAccounts')],
  cells: (o, now) => {
    const subjects = arr(o.subjects).map(obj);
    const of = (kind: string) => subjects.filter((s) => s.kind === kind).map((s) => (kind === 'ServiceAccount' ? `${str(s.namespace)}/${str(s.name)}` : str(s.name))).join(', ');
    const ref = obj(o.roleRef);
    return [o.metadata.name, `${str(ref.kind)}/${str(ref.name)}`, ageOf(o, now), of('User'), of('Group'), of('ServiceAccount')];
  },
};

/** Resources upstream prints with only a name and a creation time. */
export const createdAtTable: TableDefinition = {
  columns: [nameColumn, { name: 'Created At', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' }],
  cells: (o) => [o.metadata.name, o.metadata.creationTimestamp],
};
