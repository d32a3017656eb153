import type { FieldError } from '../types.js';
import { arr, obj, type Obj } from '../printing/values.js';
import { duplicate, forbidden, invalidValue, notFound, notSupported, required } from './field-errors.js';
import { isDns1123Label, isEnvVarName, isPortName, isPortNumber, portRangeDetail } from './names.js';
import { parseQuantity, quantityPatternText } from './quantity.js';

/** What container validation needs to know about the rest of the pod. */
export interface ContainerContext {
  volumeNames: Set<string>;
  /** Names used so far by containers, init containers and ephemeral containers of the pod. */
  containerNames: Set<string>;
}

const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const protocols = ['SCTP', 'TCP', 'UDP'];

/** Validates a list of containers at `path` (spec.containers, spec.initContainers). */
export function validateContainers(list: unknown, path: string, context: ContainerContext, init: boolean): FieldError[] {
  const errors: FieldError[] = [];
  if (list === undefined || list === null) return errors;
  if (!Array.isArray(list)) return [invalidValue(path, list, 'must be a list of containers')];
  list.forEach((raw, i) => {
    const at = `${path}[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      errors.push(invalidValue(at, raw, 'must be a container object'));
      return;
    }
    errors.push(...validateContainer(raw as Obj, at, context, init));
  });
  return errors;
}

function validateContainer(container: Obj, at: string, context: ContainerContext, init: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const name = container.name;
  if (name === undefined || name === '') {
    errors.push(required(`${at}.name`));
  } else if (typeof name !== 'string') {
    errors.push(invalidValue(`${at}.name`, name, 'must be a string'));
  } else {
    for (const e of isDns1123Label(name)) errors.push(invalidValue(`${at}.name`, name, e));
    if (context.containerNames.has(name)) errors.push(duplicate(`${at}.name`, name));
    context.containerNames.add(name);
  }
  const image = container.image;
  if (image === undefined || image === '') errors.push(required(`${at}.image`));
  else if (typeof image !== 'string') errors.push(invalidValue(`${at}.image`, image, 'must be a string'));
  else if (image.trim() !== image) errors.push(invalidValue(`${at}.image`, image, 'must not have leading or trailing whitespace'));
  if (container.imagePullPolicy !== undefined && !pullPolicies.includes(container.imagePullPolicy as string)) {
    errors.push(notSupported(`${at}.imagePullPolicy`, container.imagePullPolicy, pullPolicies));
  }
  if (container.terminationMessagePolicy !== undefined && !['File', 'FallbackToLogsOnError'].includes(container.terminationMessagePolicy as string)) {
    errors.push(notSupported(`${at}.terminationMessagePolicy`, container.terminationMessagePolicy, ['File', 'FallbackToLogsOnError']));
  }
  for (const field of ['command', 'args']) {
    const value = container[field];
    if (value !== undefined && value !== null && (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))) {
      errors.push(invalidValue(`${at}.${field}`, value, 'must be a list of strings'));
    }
  }
  if (init) {
    const policy = container.restartPolicy;
    if (policy !== undefined && policy !== 'Always') errors.push(notSupported(`${at}.restartPolicy`, policy, ['Always']));
  } else if (container.restartPolicy !== undefined) {
    errors.push(forbidden(`${at}.restartPolicy`, 'may not be set for non-init containers'));
  }
  // Port names are unique within a container (validateContainerPorts).
  errors.push(...validatePorts(container.ports, `${at}.ports`));
  errors.push(...validateEnv(container.env, `${at}.env`));
  errors.push(...validateVolumeMounts(container.volumeMounts, `${at}.volumeMounts`, context));
  errors.push(...validateResources(container.resources, `${at}.resources`));
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    if (container[probe] !== undefined && container[probe] !== null) {
      if (init && container.restartPolicy !== 'Always') errors.push(forbidden(`${at}.${probe}`, 'may not be set for init containers without restartPolicy=Always'));
      else errors.push(...validateProbe(container[probe], `${at}.${probe}`), ...validateProbeKind(probe, obj(container[probe]), `${at}.${probe}`));
    }
  }
  return errors;
}

function validatePorts(ports: unknown, path: string): FieldError[] {
  const portNames = new Set<string>();
  if (ports === undefined || ports === null) return [];
  if (!Array.isArray(ports)) return [invalidValue(path, ports, 'must be a list of ports')];
  const errors: FieldError[] = [];
  ports.forEach((raw, i) => {
    const at = `${path}[${i}]`;
    const port = obj(raw);
    if (port.name !== undefined && port.name !== '') {
      const name = String(port.name);
      for (const e of isPortName(name)) errors.push(invalidValue(`${at}.name`, port.name, e));
      if (portNames.has(name)) errors.push(duplicate(`${at}.name`, name));
      portNames.add(name);
    }
    if (port.containerPort === undefined || port.containerPort === 0) errors.push(required(`${at}.containerPort`));
    else if (!isPortNumber(port.containerPort)) errors.push(invalidValue(`${at}.containerPort`, port.containerPort, portRangeDetail));
    if (port.hostPort !== undefined && port.hostPort !== 0 && !isPortNumber(port.hostPort)) errors.push(invalidValue(`${at}.hostPort`, port.hostPort, portRangeDetail));
    if (port.protocol !== undefined && !protocols.includes(port.protocol as string)) errors.push(notSupported(`${at}.protocol`, port.protocol, protocols));
  });
  return errors;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  if (env === undefined || env === null) return [];
  if (!Array.isArray(env)) return [invalidValue(path, env, 'must be a list of environment variables')];
  const errors: FieldError[] = [];
  env.forEach((raw, i) => {
    const at = `${path}[${i}]`;
    const variable = obj(raw);
    if (variable.name === undefined || variable.name === '') errors.push(required(`${at}.name`));
    else for (const e of isEnvVarName(String(variable.name))) errors.push(invalidValue(`${at}.name`, variable.name, e));
    if (variable.value !== undefined && typeof variable.value !== 'string') errors.push(invalidValue(`${at}.value`, variable.value, 'must be a string'));
    if (variable.valueFrom !== undefined && variable.valueFrom !== null) {
      const sources = Object.keys(obj(variable.valueFrom)).filter((k) => ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].includes(k));
      if (sources.length === 0) errors.push(invalidValue(`${at}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      else if (sources.length > 1) errors.push(invalidValue(`${at}.valueFrom`, '', 'may not have more than one field specified at a time'));
      if (typeof variable.value === 'string' && variable.value !== '') errors.push(invalidValue(`${at}.valueFrom`, '', 'may not be specified when `value` is not empty'));
      for (const ref of ['configMapKeyRef', 'secretKeyRef']) {
        const r = obj(obj(variable.valueFrom)[ref]);
        if (sources.includes(ref) && !r.key) errors.push(required(`${at}.valueFrom.${ref}.key`));
      }
      if (sources.includes('fieldRef') && !obj(obj(variable.valueFrom).fieldRef).fieldPath) errors.push(required(`${at}.valueFrom.fieldRef.fieldPath`));
    }
  });
  return errors;
}

function validateVolumeMounts(mounts: unknown, path: string, context: ContainerContext): FieldError[] {
  if (mounts === undefined || mounts === null) return [];
  if (!Array.isArray(mounts)) return [invalidValue(path, mounts, 'must be a list of volume mounts')];
  const errors: FieldError[] = [];
  const paths = new Set<string>();
  mounts.forEach((raw, i) => {
    const at = `${path}[${i}]`;
    const mount = obj(raw);
    const name = typeof mount.name === 'string' ? mount.name : '';
    if (!name) errors.push(required(`${at}.name`));
    else if (!context.volumeNames.has(name)) errors.push(notFound(`${at}.name`, name));
    const mountPath = typeof mount.mountPath === 'string' ? mount.mountPath : '';
    if (!mountPath) errors.push(required(`${at}.mountPath`));
    else if (paths.has(mountPath)) errors.push(invalidValue(`${at}.mountPath`, mountPath, 'must be unique'));
    paths.add(mountPath);
  });
  return errors;
}

const resourceNames: Record<string, string> = { cpu: 'cpu', memory: 'memory' };

function validateResources(resources: unknown, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const r = obj(resources);
  const values: Record<'limits' | 'requests', Record<string, number>> = { limits: {}, requests: {} };
  for (const kind of ['limits', 'requests'] as const) {
    for (const [name, raw] of Object.entries(obj(r[kind]))) {
      const at = `${path}.${kind}[${name}]`;
      const value = parseQuantity(raw);
      if (value === undefined) errors.push(invalidValue(at, raw, quantityPatternText));
      else if (value < 0) errors.push(invalidValue(at, raw, 'must be greater than or equal to 0'));
      else values[kind][name] = value;
    }
  }
  for (const [name, request] of Object.entries(values.requests)) {
    const limit = values.limits[name];
    if (limit !== undefined && request > limit) {
      const label = resourceNames[name] ?? name;
      errors.push(invalidValue(`${path}.requests`, String(obj(r.requests)[name]), `must be less than or equal to ${label} limit of ${String(obj(r.limits)[name])}`));
    }
  }
  return errors;
}

/** What only some probe kinds allow: a grace period for the kills liveness and startup cause, one success to count. */
function validateProbeKind(kind: string, probe: Record<string, unknown>, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const grace = probe.terminationGracePeriodSeconds;
  if (grace !== undefined && grace !== null) {
    if (kind === 'readinessProbe') errors.push(invalidValue(`${path}.terminationGracePeriodSeconds`, grace, 'must not be set for readinessProbes'));
    else if (typeof grace !== 'number' || grace <= 0) errors.push(invalidValue(`${path}.terminationGracePeriodSeconds`, grace, 'must be greater than 0'));
  }
  if (kind !== 'readinessProbe' && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errors.push(invalidValue(`${path}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
  return errors;
}

function validateProbe(raw: unknown, path: string): FieldError[] {
  const probe = obj(raw);
  const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((h) => probe[h] !== undefined && probe[h] !== null);
  const errors: FieldError[] = [];
  if (handlers.length === 0) errors.push(required(path, 'must specify a handler type'));
  else if (handlers.length > 1) errors.push(forbidden(`${path}.${handlers[1]}`, 'may not specify more than 1 handler type'));
  for (const field of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    const value = probe[field];
    if (value !== undefined && (typeof value !== 'number' || value < 0)) errors.push(invalidValue(`${path}.${field}`, value, 'must be greater than or equal to 0'));
  }
  const port = obj(probe.httpGet).port ?? obj(probe.tcpSocket).port;
  if (handlers[0] === 'httpGet' || handlers[0] === 'tcpSocket') {
    const at = `${path}.${handlers[0]}.port`;
    if (port === undefined) errors.push(required(at));
    else if (typeof port === 'number' && !isPortNumber(port)) errors.push(invalidValue(at, port, portRangeDetail));
    else if (typeof port === 'string' && isPortName(port).length) errors.push(invalidValue(at, port, isPortName(port)[0]));
  }
  return errors;
}

