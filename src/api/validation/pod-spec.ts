import type { FieldError } from '../types.js';
import { arr, obj, type Obj } from '../printing/values.js';
import { validateContainers, type ContainerContext } from './containers.js';
import { duplicate, forbidden, invalidValue, notSupported, required } from './field-errors.js';
import { validateAnnotations, validateLabels } from './metadata.js';
import { isDns1123Label, isDns1123Subdomain } from './names.js';

const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Volume sources and the field each requires. */
const volumeSources: Record<string, string | undefined> = {
  emptyDir: undefined, hostPath: 'path', configMap: 'name', secret: 'secretName', persistentVolumeClaim: 'claimName',
  downwardAPI: undefined, projected: undefined, nfs: 'path', csi: 'driver', ephemeral: undefined, image: 'reference',
  iscsi: 'targetPortal', gitRepo: 'repository', local: 'path', fc: undefined, cephfs: 'monitors', rbd: 'image',
};

/** ValidatePodSpec: containers, volumes, policies, scheduling fields. `path` is `spec` or `spec.template.spec`. */
/** `providedVolumes`: names other objects supply (a StatefulSet's volumeClaimTemplates). */
export function validatePodSpec(spec: unknown, path: string, providedVolumes: string[] = []): FieldError[] {
  if (spec === undefined || spec === null) return [required(path)];
  if (typeof spec !== 'object' || Array.isArray(spec)) return [invalidValue(path, spec, 'must be an object')];
  const s = spec as Obj;
  const errors: FieldError[] = [];
  const volumeNames = new Set<string>(providedVolumes);
  errors.push(...validateVolumes(s.volumes, `${path}.volumes`, volumeNames));
  const context: ContainerContext = { volumeNames, containerNames: new Set() };
  if (!Array.isArray(s.containers) || s.containers.length === 0) {
    errors.push(s.containers === undefined || s.containers === null || Array.isArray(s.containers) ? required(`${path}.containers`) : invalidValue(`${path}.containers`, s.containers, 'must be a list of containers'));
  } else {
    errors.push(...validateContainers(s.containers, `${path}.containers`, context, false));
  }
  errors.push(...validateContainers(s.initContainers, `${path}.initContainers`, context, true));
  if (s.restartPolicy !== undefined && !restartPolicies.includes(s.restartPolicy as string)) errors.push(notSupported(`${path}.restartPolicy`, s.restartPolicy, restartPolicies));
  if (s.dnsPolicy !== undefined && !dnsPolicies.includes(s.dnsPolicy as string)) errors.push(notSupported(`${path}.dnsPolicy`, s.dnsPolicy, dnsPolicies));
  if (s.dnsPolicy === 'None' && !s.dnsConfig) errors.push(required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  for (const field of ['activeDeadlineSeconds']) {
    const value = s[field];
    if (value !== undefined && value !== null && (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 2147483647)) {
      errors.push(invalidValue(`${path}.${field}`, value, 'must be between 1 and 2147483647, inclusive'));
    }
  }
  const grace = s.terminationGracePeriodSeconds;
  if (grace !== undefined && grace !== null && (typeof grace !== 'number' || !Number.isInteger(grace))) errors.push(invalidValue(`${path}.terminationGracePeriodSeconds`, grace, 'must be an integer'));
  for (const field of ['hostname']) {
    const value = s[field];
    if (typeof value === 'string' && value) for (const e of isDns1123Label(value)) errors.push(invalidValue(`${path}.${field}`, value, e));
  }
  if (typeof s.subdomain === 'string' && s.subdomain) for (const e of isDns1123Label(s.subdomain)) errors.push(invalidValue(`${path}.subdomain`, s.subdomain, e));
  if (typeof s.nodeName === 'string' && s.nodeName) for (const e of isDns1123Subdomain(s.nodeName)) errors.push(invalidValue(`${path}.nodeName`, s.nodeName, e));
  if (typeof s.serviceAccountName === 'string' && s.serviceAccountName) for (const e of isDns1123Subdomain(s.serviceAccountName)) errors.push(invalidValue(`${path}.serviceAccountName`, s.serviceAccountName, e));
  errors.push(...validateLabels(s.nodeSelector, `${path}.nodeSelector`));
  errors.push(...validateTolerations(s.tolerations, `${path}.tolerations`));
  return errors;
}

function validateVolumes(volumes: unknown, path: string, names: Set<string>): FieldError[] {
  if (volumes === undefined || volumes === null) return [];
  if (!Array.isArray(volumes)) return [invalidValue(path, volumes, 'must be a list of volumes')];
  const errors: FieldError[] = [];
  volumes.forEach((raw, i) => {
    const at = `${path}[${i}]`;
    const volume = obj(raw);
    const name = volume.name;
    if (name === undefined || name === '') errors.push(required(`${at}.name`));
    else if (typeof name !== 'string') errors.push(invalidValue(`${at}.name`, name, 'must be a string'));
    else {
      for (const e of isDns1123Label(name)) errors.push(invalidValue(`${at}.name`, name, e));
      if (names.has(name)) errors.push(duplicate(`${at}.name`, name));
      names.add(name);
    }
    const sources = Object.keys(volume).filter((k) => k !== 'name' && volume[k] !== null && volume[k] !== undefined);
    if (sources.length === 0) errors.push(required(at, 'must specify a volume type'));
    else if (sources.length > 1) errors.push(forbidden(`${at}.${sources[1]}`, 'may not specify more than 1 volume type'));
    const source = sources[0];
    const needed = source ? volumeSources[source] : undefined;
    if (source && needed && !obj(volume[source])[needed]) errors.push(required(`${at}.${source}.${needed}`));
  });
  return errors;
}

function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  if (tolerations === undefined || tolerations === null) return [];
  if (!Array.isArray(tolerations)) return [invalidValue(path, tolerations, 'must be a list of tolerations')];
  const errors: FieldError[] = [];
  tolerations.forEach((raw, i) => {
    const at = `${path}[${i}]`;
    const t = obj(raw);
    const operator = t.operator ?? 'Equal';
    if (operator !== 'Equal' && operator !== 'Exists') errors.push(notSupported(`${at}.operator`, operator, ['Equal', 'Exists']));
    if (operator === 'Exists' && t.value) errors.push(invalidValue(`${at}.operator`, operator, "value must be empty when `operator` is 'Exists'"));
    if (!t.key && operator !== 'Exists') errors.push(invalidValue(`${at}.operator`, operator, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
    if (t.effect !== undefined && t.effect !== '' && !taintEffects.includes(t.effect as string)) errors.push(notSupported(`${at}.effect`, t.effect, taintEffects));
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      errors.push(invalidValue(`${at}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
  });
  return errors;
}

/** ValidatePodTemplateSpec for controllers: labels, annotations and a spec whose restartPolicy fits the owner. */
export function validatePodTemplate(template: unknown, path: string, restartPolicies: string[], providedVolumes: string[] = []): FieldError[] {
  if (template === undefined || template === null) return [required(path)];
  const t = obj(template);
  const metadata = obj(t.metadata);
  const errors = [
    // ValidatePodTemplateSpec reports these at `template.labels` / `template.annotations` (no `metadata`).
    ...validateLabels(metadata.labels, `${path}.labels`),
    ...validateAnnotations(metadata.annotations, `${path}.annotations`),
    ...validatePodSpec(t.spec, `${path}.spec`, providedVolumes),
  ];
  const spec = obj(t.spec);
  if (spec.restartPolicy !== undefined && !restartPolicies.includes(spec.restartPolicy as string) && restartPolicies.length) {
    errors.push(notSupported(`${path}.spec.restartPolicy`, spec.restartPolicy, restartPolicies));
  }
  return errors;
}

export function templateLabels(template: unknown): Record<string, string> {
  const labels = obj(obj(obj(template).metadata).labels);
  return Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

