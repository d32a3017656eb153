import type { FieldError, KubeObject, ResourceStrategy } from '../types.js';
import { arr, obj, type Obj } from '../printing/values.js';
import { duplicate, forbidden, immutable, invalidValue, notSupported, required, tooLong } from './field-errors.js';
import { validateLabels } from './metadata.js';
import { isConfigMapKey, isDns1123Label, isPortName, isPortNumber, portRangeDetail } from './names.js';
import { canonical } from './pod.js';
import { specOf } from './workloads.js';

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const protocols = ['SCTP', 'TCP', 'UDP'];
const ipv4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

function defaultService(service: KubeObject): void {
  const spec = specOf(service);
  if (!spec) return;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  for (const raw of arr(spec.ports)) {
    const port = obj(raw);
    port.protocol ??= 'TCP';
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  if (spec.type !== 'ExternalName') {
    spec.internalTrafficPolicy ??= 'Cluster';
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (typeof spec.clusterIP === 'string' && spec.clusterIP && spec.clusterIPs === undefined) spec.clusterIPs = [spec.clusterIP];
}

function validateService(service: KubeObject): FieldError[] {
  const spec = specOf(service);
  if (!spec) return [required('spec')];
  const errors: FieldError[] = [];
  const type = spec.type;
  if (!serviceTypes.includes(type as string)) errors.push(notSupported('spec.type', type ?? '', serviceTypes));
  const ports = spec.ports;
  const headless = spec.clusterIP === 'None';
  if (type === 'ExternalName') {
    if (!spec.externalName) errors.push(required('spec.externalName'));
  } else if (!Array.isArray(ports) || ports.length === 0) {
    if (!headless) errors.push(required('spec.ports'));
  }
  if (ports !== undefined && !Array.isArray(ports)) errors.push(invalidValue('spec.ports', ports, 'must be a list of ports'));
  const names = new Set<string>();
  const list = arr(ports);
  list.forEach((raw, i) => {
    const at = `spec.ports[${i}]`;
    const port = obj(raw);
    const name = typeof port.name === 'string' ? port.name : '';
    if (list.length > 1 && !name) errors.push(required(`${at}.name`));
    if (name) {
      for (const e of isDns1123Label(name)) errors.push(invalidValue(`${at}.name`, name, e));
      if (names.has(name)) errors.push(duplicate(`${at}.name`, name));
      names.add(name);
    }
    if (!isPortNumber(port.port)) errors.push(invalidValue(`${at}.port`, port.port ?? 0, portRangeDetail));
    if (port.protocol !== undefined && !protocols.includes(port.protocol as string)) errors.push(notSupported(`${at}.protocol`, port.protocol, protocols));
    const target = port.targetPort;
    if (typeof target === 'number' && !isPortNumber(target)) errors.push(invalidValue(`${at}.targetPort`, target, portRangeDetail));
    if (typeof target === 'string') for (const e of isPortName(target)) errors.push(invalidValue(`${at}.targetPort`, target, e));
    if (port.nodePort !== undefined && port.nodePort !== 0) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') errors.push(forbidden(`${at}.nodePort`, 'may not be used when `type` is \'ClusterIP\''));
      else if (!isPortNumber(port.nodePort)) errors.push(invalidValue(`${at}.nodePort`, port.nodePort, portRangeDetail));
    }
  });
  if (spec.sessionAffinity !== undefined && spec.sessionAffinity !== 'None' && spec.sessionAffinity !== 'ClientIP') {
    errors.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  }
  errors.push(...validateLabels(spec.selector, 'spec.selector'));
  const clusterIP = spec.clusterIP;
  if (clusterIP !== undefined && clusterIP !== '' && clusterIP !== 'None' && (typeof clusterIP !== 'string' || !ipv4.test(clusterIP))) {
    errors.push(invalidValue('spec.clusterIPs[0]', clusterIP, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  }
  if (type === 'ExternalName' && clusterIP && clusterIP !== 'None') errors.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
  return errors;
}

export const serviceValidation: Partial<ResourceStrategy> = {
  defaults: defaultService,
  prepareForUpdate(service, old) {
    // An omitted clusterIP keeps the allocated one, as kube-apiserver's service REST does.
    const spec = specOf(service);
    const oldSpec = obj(old.spec);
    if (spec && (spec.clusterIP === undefined || spec.clusterIP === '') && oldSpec.clusterIP) {
      spec.clusterIP = oldSpec.clusterIP;
      spec.clusterIPs = oldSpec.clusterIPs;
    }
  },
  validateCreate: validateService,
  validateUpdate(service, old) {
    const errors = validateService(service);
    const before = obj(old.spec).clusterIP;
    const now = obj(service.spec).clusterIP;
    if (before && before !== now && obj(service.spec).type !== 'ExternalName' && obj(old.spec).type !== 'ExternalName') {
      errors.push(invalidValue('spec.clusterIPs[0]', now ?? '', 'may not change once set'));
    }
    return errors;
  },
};

const maxDataSize = 1024 * 1024;

function validateDataKeys(data: unknown, field: string, seen: Set<string>): { errors: FieldError[]; size: number } {
  const errors: FieldError[] = [];
  let size = 0;
  if (data === undefined || data === null) return { errors, size };
  if (typeof data !== 'object' || Array.isArray(data)) return { errors: [invalidValue(field, data, 'must be a map of keys to strings')], size };
  for (const [key, value] of Object.entries(data as Obj)) {
    for (const e of isConfigMapKey(key)) errors.push(invalidValue(`${field}[${key}]`, key, e));
    if (seen.has(key)) errors.push(invalidValue(`${field}[${key}]`, key, 'duplicate of key present in data'));
    seen.add(key);
    if (typeof value !== 'string') errors.push(invalidValue(`${field}[${key}]`, value, 'must be a string'));
    else size += value.length;
  }
  return { errors, size };
}

function validateConfigMap(configMap: KubeObject): FieldError[] {
  const seen = new Set<string>();
  const data = validateDataKeys(configMap.data, 'data', seen);
  const binary = validateDataKeys(configMap.binaryData, 'binaryData', seen);
  const errors = [...data.errors, ...binary.errors];
  if (data.size + binary.size > maxDataSize) errors.push(tooLong('', maxDataSize));
  return errors;
}

/** Objects marked `immutable: true` keep their data forever (ConfigMaps and Secrets). */
function immutableData(object: KubeObject, old: KubeObject): FieldError[] {
  if (old.immutable !== true) return [];
  const errors: FieldError[] = [];
  if (object.immutable !== true) errors.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const field of ['data', 'binaryData']) {
    if (canonical(object[field] ?? {}) !== canonical(old[field] ?? {})) errors.push(forbidden(field, 'field is immutable when `immutable` is set'));
  }
  return errors;
}

export const configMapValidation: Partial<ResourceStrategy> = {
  validateCreate: validateConfigMap,
  validateUpdate: (object, old) => [...validateConfigMap(object), ...immutableData(object, old)],
};

const secretRequiredKeys: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function validateSecret(secret: KubeObject): FieldError[] {
  const seen = new Set<string>();
  const { errors, size } = validateDataKeys(secret.data, 'data', seen);
  for (const [key, value] of Object.entries(obj(secret.data))) {
    if (typeof value === 'string' && !base64.test(value)) errors.push(invalidValue(`data[${key}]`, '<secret contents redacted>', 'must be base64 encoded'));
  }
  if (size > maxDataSize) errors.push(tooLong('data', maxDataSize));
  const type = typeof secret.type === 'string' ? secret.type : 'Opaque';
  for (const key of secretRequiredKeys[type] ?? []) if (!Object.hasOwn(obj(secret.data), key)) errors.push(required(`data[${key}]`));
  if (type === 'kubernetes.io/service-account-token' && !secret.metadata.annotations?.['kubernetes.io/service-account.name']) {
    errors.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  return errors;
}

export const secretValidation: Partial<ResourceStrategy> = {
  defaults(secret) {
    secret.type ??= 'Opaque';
    // stringData is write-only: merged into data, base64-encoded, as the API's conversion does.
    const stringData = secret.stringData;
    if (stringData && typeof stringData === 'object' && !Array.isArray(stringData)) {
      const data = obj(secret.data);
      for (const [key, value] of Object.entries(stringData as Obj)) {
        if (typeof value === 'string') data[key] = Buffer.from(value, 'utf8').toString('base64');
      }
      secret.data = data;
    }
    delete secret.stringData;
  },
  validateCreate: validateSecret,
  validateUpdate(secret, old) {
    const errors = [...validateSecret(secret), ...immutableData(secret, old)];
    if ((secret.type ?? 'Opaque') !== (old.type ?? 'Opaque')) errors.push(immutable('type', secret.type ?? ''));
    return errors;
  },
};

export const persistentVolumeClaimValidation: Partial<ResourceStrategy> = {
  defaults(claim) {
    const spec = specOf(claim);
    if (spec) spec.volumeMode ??= 'Filesystem';
    // A new claim is Pending until bound (SetDefaults_PersistentVolumeClaim).
    const status = obj(claim.status);
    status.phase ??= 'Pending';
    claim.status = status;
  },
  validateCreate(claim) {
    const spec = specOf(claim);
    if (!spec) return [required('spec')];
    const errors: FieldError[] = [];
    const modes = arr(spec.accessModes);
    if (modes.length === 0) errors.push(required('spec.accessModes', 'at least 1 access mode is required'));
    const supported = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
    modes.forEach((m) => { if (!supported.includes(m as string)) errors.push(notSupported('spec.accessModes', m, supported)); });
    if (obj(obj(spec.resources).requests).storage === undefined && !spec.dataSource) errors.push(required('spec.resources[storage]'));
    return errors;
  },
};
