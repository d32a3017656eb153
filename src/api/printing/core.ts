import type { KubeObject, TableDefinition } from '../types.js';
import { ageColumn, column, nameColumn, wide } from './columns.js';
import { age } from './duration.js';
import { arr, mapText, num, obj, orNone, str } from './values.js';

const ageOf = (o: KubeObject, now: Date) => age(o.metadata.creationTimestamp, now);

export const namespaceTable: TableDefinition = {
  columns: [nameColumn, column('Status', 'string', 'The status of the namespace'), ageColumn],
  cells: (o, now) => [o.metadata.name, str(obj(o.status).phase), ageOf(o, now)],
};

function servicePorts(ports: unknown[]): string {
  if (ports.length === 0) return '<none>';
  return ports.map(obj).map((p) => {
    const protocol = str(p.protocol, 'TCP');
    return p.nodePort ? `${num(p.port)}:${num(p.nodePort)}/${protocol}` : `${num(p.port)}/${protocol}`;
  }).join(',');
}

function externalIPs(service: KubeObject): string {
  const spec = obj(service.spec);
  const external = arr(spec.externalIPs).map((x) => str(x));
  const ingress = arr(obj(obj(service.status).loadBalancer).ingress).map(obj).map((i) => str(i.ip) || str(i.hostname)).filter(Boolean);
  switch (str(spec.type, 'ClusterIP')) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const all = [...ingress, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

export const serviceTable: TableDefinition = {
  columns: [
    nameColumn,
    column('Type', 'string', 'type determines how the Service is exposed.'),
    column('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    ageColumn,
    wide('Selector', 'Route service traffic to pods with label keys and values matching this selector.'),
  ],
  cells: (o, now) => {
    const spec = obj(o.spec);
    return [o.metadata.name, str(spec.type, 'ClusterIP'), orNone(str(spec.clusterIP)), externalIPs(o), servicePorts(arr(spec.ports)), ageOf(o, now), mapText(spec.selector)];
  },
};

function nodeStatus(node: KubeObject): string {
  const conditions = arr(obj(node.status).conditions).map(obj);
  const ready = conditions.find((c) => c.type === 'Ready');
  const states = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (obj(node.spec).unschedulable === true) states.push('SchedulingDisabled');
  return states.join(',');
}

function nodeRoles(node: KubeObject): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean);
  const kubernetesRole = node.metadata.labels?.['kubernetes.io/role'];
  if (kubernetesRole) roles.push(kubernetesRole);
  return roles.length ? roles.sort().join(',') : '<none>';
}

function nodeAddress(node: KubeObject, type: string): string {
  const found = arr(obj(node.status).addresses).map(obj).find((a) => a.type === type);
  return found ? str(found.address) : '<none>';
}

export const nodeTable: TableDefinition = {
  columns: [
    nameColumn, column('Status', 'string', 'The status of the node'), column('Roles', 'string', 'The roles of the node'), ageColumn,
    column('Version', 'string', 'Kubelet Version reported by the node.'),
    wide('Internal-IP', 'List of addresses reachable to the node.'), wide('External-IP', 'List of addresses reachable to the node.'),
    wide('OS-Image', 'OS Image reported by the node from /etc/os-release.'), wide('Kernel-Version', 'Kernel Version reported by the node.'),
    wide('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API.'),
  ],
  cells: (o, now) => {
    const info = obj(obj(o.status).nodeInfo);
    return [o.metadata.name, nodeStatus(o), nodeRoles(o), ageOf(o, now), str(info.kubeletVersion), nodeAddress(o, 'InternalIP'), nodeAddress(o, 'ExternalIP'),
      orNone(str(info.osImage)), orNone(str(info.kernelVersion)), orNone(str(info.containerRuntimeVersion))];
  },
};

export const configMapTable: TableDefinition = {
  columns: [nameColumn, column('Data', 'integer', 'Data contains the configuration data.'), ageColumn],
  cells: (o, now) => [o.metadata.name, Object.keys(obj(o.data)).length + Object.keys(obj(o.binaryData)).length, ageOf(o, now)],
};

export const secretTable: TableDefinition = {
  columns: [nameColumn, column('Type', 'string', 'The type of the secret'), column('Data', 'integer', 'The number of data entries'), ageColumn],
  cells: (o, now) => [o.metadata.name, str(o.type), Object.keys(obj(o.data)).length, ageOf(o, now)],
};

export const serviceAccountTable: TableDefinition = {
  columns: [nameColumn, column('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), ageColumn],
  cells: (o, now) => [o.metadata.name, arr(o.secrets).length, ageOf(o, now)],
};

export const endpointsTable: TableDefinition = {
  columns: [nameColumn, column('Endpoints', 'string', 'Endpoints of this service'), ageColumn],
  cells: (o, now) => {
    const addresses: string[] = [];
    for (const subset of arr(o.subsets).map(obj)) {
      const ports = arr(subset.ports).map(obj);
      for (const address of arr(subset.addresses).map(obj)) {
        if (ports.length === 0) addresses.push(str(address.ip));
        for (const port of ports) addresses.push(`${str(address.ip)}:${num(port.port)}`);
      }
    }
    const shown = addresses.slice(0, 3).join(',') + (addresses.length > 3 ? ` + ${addresses.length - 3} more...` : '');
    return [o.metadata.name, addresses.length ? shown : '<none>', ageOf(o, now)];
  },
};

function eventObject(event: KubeObject): string {
  const involved = obj(event.involvedObject ?? event.regarding);
  return `${str(involved.kind).toLowerCase()}/${str(involved.name)}`;
}

export const eventTable: TableDefinition = {
  columns: [
    column('Last Seen', 'string', 'Time when last Event occurred'), column('Type', 'string', 'Type of this event.'),
    column('Reason', 'string', 'Reason why this event was generated.'), column('Object', 'string', 'Object that this event is about.'),
    wide('Subobject', 'Subobject of the object that this event is about.'), wide('Source', 'The component reporting this event.'),
    column('Message', 'string', 'A human-readable description of the status of this operation.'),
    wide('First Seen', 'Time when first Event occurred.'), wide('Count', 'Number of times this event has occurred.'),
    { name: 'Name', type: 'string', format: 'name', priority: 1, description: 'Name of the event.' },
  ],
  cells: (o, now) => {
    const last = str(o.lastTimestamp) || str(o.eventTime) || str(o.firstTimestamp) || str(o.metadata.creationTimestamp);
    const first = str(o.firstTimestamp) || str(o.eventTime);
    const source = obj(o.source);
    const sourceText = str(source.component) ? `${str(source.component)}${str(source.host) ? `, ${str(source.host)}` : ''}` : str(o.reportingController);
    const series = obj(o.series);
    return [age(last, now), str(o.type), str(o.reason), eventObject(o), str(obj(o.involvedObject ?? o.regarding).fieldPath), sourceText,
      str(o.message ?? o.note).trim(), first ? age(first, now) : '<unknown>', num(o.count, num(series.count, 1)), o.metadata.name];
  },
};

/** kubectl shows a volume or claim being deleted as Terminating, whatever its phase. */
const storagePhase = (o: KubeObject): string => (o.metadata.deletionTimestamp ? 'Terminating' : str(obj(o.status).phase));

const accessModes = (modes: unknown): string => {
  const short: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
  return arr(modes).map((m) => short[str(m)] ?? str(m)).join(',');
};

export const persistentVolumeTable: TableDefinition = {
  columns: [nameColumn, column('Capacity'), column('Access Modes'), column('Reclaim Policy'), column('Status'), column('Claim'), column('StorageClass'),
    column('VolumeAttributesClass'), column('Reason'), ageColumn, wide('VolumeMode')],
  cells: (o, now) => {
    const spec = obj(o.spec);
    const claim = obj(spec.claimRef);
    return [o.metadata.name, str(obj(spec.capacity).storage), accessModes(spec.accessModes), str(spec.persistentVolumeReclaimPolicy), storagePhase(o),
      str(claim.name) ? `${str(claim.namespace)}/${str(claim.name)}` : '', str(spec.storageClassName), orNone(str(spec.volumeAttributesClassName)),
      str(obj(o.status).reason), ageOf(o, now), str(spec.volumeMode, 'Filesystem')];
  },
};

export const persistentVolumeClaimTable: TableDefinition = {
  columns: [nameColumn, column('Status'), column('Volume'), column('Capacity'), column('Access Modes'), column('StorageClass'), column('VolumeAttributesClass'), ageColumn, wide('VolumeMode')],
  cells: (o, now) => {
    const spec = obj(o.spec);
    const status = obj(o.status);
    const bound = str(status.phase) === 'Bound';
    return [o.metadata.name, storagePhase(o), str(spec.volumeName), bound ? str(obj(status.capacity).storage) : '', bound ? accessModes(status.accessModes) : '',
      str(spec.storageClassName), orNone(str(spec.volumeAttributesClassName)), ageOf(o, now), str(spec.volumeMode, 'Filesystem')];
  },
};

export const resourceQuotaTable: TableDefinition = {
  columns: [nameColumn, ageColumn, column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'), column('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.')],
  cells: (o, now) => {
    const hard = obj(obj(o.status).hard);
    const used = obj(obj(o.status).used);
    const requests: string[] = [];
    const limits: string[] = [];
    for (const key of Object.keys(hard).sort()) {
      const text = `${key}: ${str(used[key], '0')}/${str(hard[key])}`;
      if (key.startsWith('limits.')) limits.push(text);
      else requests.push(text);
    }
    return [o.metadata.name, ageOf(o, now), requests.join(', '), limits.join(', ')];
  },
};

export const podTemplateTable: TableDefinition = {
  columns: [{ name: 'Template', type: 'string', format: 'name', description: 'Name of the pod template.' }, column('Containers'), column('Images'), column('Pod Labels')],
  cells: (o) => {
    const template = obj(o.template);
    const containers = arr(obj(template.spec).containers).map(obj);
    return [o.metadata.name, containers.map((c) => str(c.name)).join(','), containers.map((c) => str(c.image)).join(','), mapText(obj(template.metadata).labels)];
  },
};
