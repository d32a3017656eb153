/**
 * The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount): a new pod runs as
 * its spec.serviceAccountName (`default` when unset), which must exist; unless the pod or the
 * account opts out with automountServiceAccountToken: false, every container and init container
 * mounts a `kube-api-access-xxxxx` projected volume (a bound token, the cluster CA and the
 * namespace) read-only at /var/run/secrets/kubernetes.io/serviceaccount; and the account's
 * imagePullSecrets become the pod's when it names none.
 */
import type { KubeObject, ResourceDefinition } from '../../api/types.js';
import { forbidden } from '../errors.js';
import { generateName, type Registry } from '../registry/engine.js';
import { isRecord } from '../registry/objects.js';
import { warnOnlyBoundTokenExpirationSeconds } from '../serviceaccount/token-request.js';

export const defaultServiceAccountName = 'default';
/** Where the token, ca.crt and namespace files appear in containers. */
export const defaultApiTokenMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Prefix of the projected volume's name. */
export const serviceAccountVolumePrefix = 'kube-api-access-';
/** The ConfigMap with the cluster CA that the root CA publisher puts in every namespace. */
export const rootCAConfigMapName = 'kube-root-ca.crt';

export interface ServiceAccountAdmissionOptions {
  /** Lookups of the `default` account before giving up: it may be moments from being created (upstream: 10). */
  defaultAttempts?: number;
  /** Pause between those lookups (upstream: a random 100–199 ms per request). */
  retryIntervalMs?: () => number;
}

type Obj = Record<string, unknown>;
const list = (value: unknown): Obj[] => (Array.isArray(value) ? value.filter(isRecord) : []);

/** The projected volume source upstream's TokenVolumeSource builds, with the defaults stored pods show. */
export function tokenVolumeSource(): Obj {
  return {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: warnOnlyBoundTokenExpirationSeconds, path: 'token' } },
      { configMap: { name: rootCAConfigMapName, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

export class ServiceAccountAdmission {
  private readonly defaultAttempts: number;
  private readonly retryIntervalMs: () => number;

  constructor(options: ServiceAccountAdmissionOptions = {}) {
    this.defaultAttempts = options.defaultAttempts ?? 10;
    this.retryIntervalMs = options.retryIntervalMs ?? (() => 100 + Math.floor(Math.random() * 100));
  }

  /** Admits a pod create; other objects and updates pass untouched. Refuses with a 403 Forbidden. */
  async admit(registry: Registry, definition: ResourceDefinition, pod: KubeObject, old: KubeObject | undefined): Promise<void> {
    if (old !== undefined || definition.group !== '' || definition.kind !== 'Pod' || !isRecord(pod.spec)) return;
    const spec = pod.spec;
    const namespace = pod.metadata.namespace ?? 'default';
    const name = typeof spec.serviceAccountName === 'string' && spec.serviceAccountName ? spec.serviceAccountName : defaultServiceAccountName;
    spec.serviceAccountName = name;
    spec.serviceAccount = name;
    const account = await this.serviceAccount(registry, namespace, name);
    if (!account) {
      throw forbidden({ group: '', resource: 'pods' }, pod.metadata.name ?? '', `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`);
    }
    if (shouldAutomount(account, spec)) mountServiceAccountToken(spec);
    const pullSecrets = list(account.imagePullSecrets);
    if (list(spec.imagePullSecrets).length === 0 && pullSecrets.length) spec.imagePullSecrets = pullSecrets.map((s) => ({ name: s.name }));
  }

  /** The account, looked up again a few times if it is `default` and the controller may not have made it yet. */
  private async serviceAccount(registry: Registry, namespace: string, name: string): Promise<KubeObject | undefined> {
    const definition = registry.definitionFor('', 'ServiceAccount');
    if (!definition) return undefined;
    const attempts = name === defaultServiceAccountName ? this.defaultAttempts : 1;
    const interval = this.retryIntervalMs();
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, interval));
      const found = await registry.read(definition, namespace, name);
      if (found) return found.object;
    }
    return undefined;
  }
}

/** The pod's preference wins, then the account's; mounting is the default. */
function shouldAutomount(account: KubeObject, spec: Obj): boolean {
  if (typeof spec.automountServiceAccountToken === 'boolean') return spec.automountServiceAccountToken;
  if (typeof account.automountServiceAccountToken === 'boolean') return account.automountServiceAccountToken;
  return true;
}

/** Adds the mount to every container without one at the token path, and the volume if any needed it. */
function mountServiceAccountToken(spec: Obj): void {
  const volumes = list(spec.volumes);
  const existing = volumes.find((v) => typeof v.name === 'string' && v.name.startsWith(serviceAccountVolumePrefix));
  const volumeName = typeof existing?.name === 'string' ? existing.name : generateName(serviceAccountVolumePrefix);
  let needed = false;
  for (const container of [...list(spec.initContainers), ...list(spec.containers)]) {
    const mounts = list(container.volumeMounts);
    // A mount of its own at the path keeps the container out of this.
    if (mounts.some((m) => m.mountPath === defaultApiTokenMountPath)) continue;
    container.volumeMounts = [...mounts, { name: volumeName, readOnly: true, mountPath: defaultApiTokenMountPath }];
    needed = true;
  }
  if (!existing && needed) spec.volumes = [...volumes, { name: volumeName, projected: tokenVolumeSource() }];
}
