import type { KeyValue } from './cri/types.js';
import type { KubeObject } from '../api/types.js';
import { ContainerConfigError, fieldValue, resourceValue, type PodRuntimeFacts } from './downward.js';
import { notFoundMessage, objectData, type ReadObject } from './objects.js';
import type { ContainerSpec } from './pod-spec.js';

const envNamePattern = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * A container's environment as kubelet's makeEnvironmentVariables builds it: service links
 * first, then envFrom sources in order, then env entries (later names win, `$(VAR)` refers to
 * earlier ones). A missing non-optional ConfigMap, Secret or key is a ContainerConfigError.
 */
export async function containerEnv(pod: KubeObject, container: ContainerSpec, facts: PodRuntimeFacts, read: ReadObject, serviceEnv: Record<string, string> = {}): Promise<KeyValue[]> {
  const namespace = pod.metadata.namespace ?? 'default';
  const env = new Map<string, string>(Object.entries(serviceEnv));
  const cache = new Map<string, Map<string, Buffer> | undefined>();
  const dataOf = async (plural: 'configmaps' | 'secrets', name: string): Promise<Map<string, Buffer> | undefined> => {
    const key = `${plural}/${name}`;
    if (!cache.has(key)) {
      const object = await read(plural, namespace, name);
      cache.set(key, object ? objectData(plural, object) : undefined);
    }
    return cache.get(key);
  };

  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const plural = from.configMapRef ? 'configmaps' : 'secrets';
    const data = await dataOf(plural, ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new ContainerConfigError(notFoundMessage(plural, ref.name));
    }
    for (const [key, value] of data) {
      const name = `${from.prefix ?? ''}${key}`;
      // kubelet skips (and reports) keys that are not valid variable names.
      if (envNamePattern.test(name)) env.set(name, value.toString('utf8'));
    }
  }

  const defined = new Map<string, string>(env);
  for (const entry of container.env ?? []) {
    let value: string | undefined;
    const from = entry.valueFrom;
    if (entry.value !== undefined || !from) value = expand(entry.value ?? '', defined);
    else if (from.fieldRef) value = fieldValue(pod, from.fieldRef.fieldPath, facts);
    else if (from.resourceFieldRef) value = resourceValue(pod, from.resourceFieldRef.containerName || container.name, from.resourceFieldRef, facts);
    else if (from.configMapKeyRef || from.secretKeyRef) {
      const ref = (from.configMapKeyRef ?? from.secretKeyRef)!;
      const plural = from.configMapKeyRef ? 'configmaps' : 'secrets';
      const data = await dataOf(plural, ref.name);
      if (!data) {
        if (ref.optional) continue;
        throw new ContainerConfigError(notFoundMessage(plural, ref.name));
      }
      const bytes = data.get(ref.key);
      if (!bytes) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in ${plural === 'configmaps' ? 'ConfigMap' : 'Secret'} ${namespace}/${ref.name}`);
      }
      value = bytes.toString('utf8');
    }
    if (value === undefined) continue;
    env.set(entry.name, value);
    defined.set(entry.name, value);
  }
  return [...env].map(([key, value]) => ({ key, value }));
}

/**
 * Kubernetes' $(VAR) expansion (third_party/forked/golang/expansion): `$(NAME)` becomes the
 * value of an earlier variable, `$$` a literal `$`; unknown references stay as written.
 */
export function expand(input: string, vars: Map<string, string>): string {
  return input.replace(/\$\$|\$\(([^)]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && vars.has(name) ? vars.get(name)! : match;
  });
}
