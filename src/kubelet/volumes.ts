import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../api/types.js';
import { writePayload, type PayloadFile } from './atomic-writer.js';
import { fieldValue, resourceValue, type PodRuntimeFacts } from './downward.js';
import { notFoundMessage, objectData, type ReadObject } from './objects.js';
import { podSpecOf, type DownwardAPIFile, type KeyToPath, type Volume } from './pod-spec.js';
import { serviceAccountTokenFile, type ServiceAccountTokenManager } from './service-account-token.js';
import { errorMessage } from './util.js';

/** A volume could not be set up: the pod stays ContainerCreating with a FailedMount event. */
export class VolumeError extends Error {}

/** Volume name → the host directory (or file) that backs it. */
export type VolumePaths = Map<string, string>;

/**
 * Sets up every volume of the pod under `podDir` (kubelet's volumes/kubernetes.io~<plugin>/<name>
 * layout) and returns where each lives. Idempotent: run on every sync, it refreshes ConfigMap,
 * Secret and downward API contents, swapping them atomically when they changed.
 */
export async function setUpVolumes(pod: KubeObject, podDir: string, facts: PodRuntimeFacts, read: ReadObject, tokens?: ServiceAccountTokenManager): Promise<VolumePaths> {
  const paths: VolumePaths = new Map();
  for (const volume of podSpecOf(pod).volumes ?? []) {
    try {
      paths.set(volume.name, await setUpVolume(pod, podDir, volume, facts, read, tokens));
    } catch (error: unknown) {
      throw new VolumeError(`MountVolume.SetUp failed for volume "${volume.name}" : ${errorMessage(error)}`);
    }
  }
  return paths;
}

const pluginDir = (podDir: string, plugin: string, name: string): string => join(podDir, 'volumes', `kubernetes.io~${plugin}`, name);

async function setUpVolume(pod: KubeObject, podDir: string, volume: Volume, facts: PodRuntimeFacts, read: ReadObject, tokens: ServiceAccountTokenManager | undefined): Promise<string> {
  const namespace = pod.metadata.namespace ?? 'default';
  if (volume.emptyDir) {
    const dir = pluginDir(podDir, 'empty-dir', volume.name);
    await mkdir(dir, { recursive: true });
    // kubelet makes emptyDirs world-writable: containers may run as any user.
    await chmod(dir, 0o777);
    return dir;
  }
  if (volume.hostPath) return hostPath(volume.hostPath.path, volume.hostPath.type ?? '');
  if (volume.configMap || volume.secret) {
    const plural = volume.configMap ? 'configmaps' : 'secrets';
    const name = volume.configMap?.name ?? volume.secret!.secretName;
    const optional = (volume.configMap ?? volume.secret)!.optional ?? false;
    const mode = (volume.configMap ?? volume.secret)!.defaultMode ?? 0o644;
    const object = await read(plural, namespace, name);
    if (!object && !optional) throw new Error(notFoundMessage(plural, name));
    const payload = object ? keyPayload(objectData(plural, object), (volume.configMap ?? volume.secret)!.items, mode, optional) : new Map();
    const dir = pluginDir(podDir, plural === 'configmaps' ? 'configmap' : 'secret', volume.name);
    await writePayload(dir, payload);
    return dir;
  }
  if (volume.downwardAPI) {
    const dir = pluginDir(podDir, 'downward-api', volume.name);
    await writePayload(dir, downwardPayload(pod, volume.downwardAPI.items ?? [], volume.downwardAPI.defaultMode ?? 0o644, facts));
    return dir;
  }
  if (volume.projected) {
    const mode = volume.projected.defaultMode ?? 0o644;
    const payload = new Map<string, PayloadFile>();
    for (const source of volume.projected.sources ?? []) {
      const ref = source.configMap ?? source.secret;
      if (ref) {
        const plural = source.configMap ? 'configmaps' : 'secrets';
        const object = await read(plural, namespace, ref.name);
        if (!object && !ref.optional) throw new Error(notFoundMessage(plural, ref.name));
        if (object) for (const [k, v] of keyPayload(objectData(plural, object), ref.items, mode, ref.optional ?? false)) payload.set(k, v);
      }
      if (source.downwardAPI) for (const [k, v] of downwardPayload(pod, source.downwardAPI.items ?? [], mode, facts)) payload.set(k, v);
      if (source.serviceAccountToken) {
        if (!tokens) throw new Error('serviceAccountToken sources need a token manager');
        payload.set(source.serviceAccountToken.path, await serviceAccountTokenFile(pod, source.serviceAccountToken, mode, tokens));
      }
    }
    const dir = pluginDir(podDir, 'projected', volume.name);
    await writePayload(dir, payload);
    return dir;
  }
  const claim = (volume as { persistentVolumeClaim?: { claimName?: string } }).persistentVolumeClaim;
  if (claim?.claimName) return claimPath(namespace, claim.claimName, read);
  throw new Error('unsupported volume type');
}

function keyPayload(data: Map<string, Buffer>, items: KeyToPath[] | undefined, mode: number, optional: boolean): Map<string, PayloadFile> {
  const payload = new Map<string, PayloadFile>();
  if (!items || items.length === 0) {
    for (const [key, value] of data) payload.set(key, { data: value, mode });
    return payload;
  }
  for (const item of items) {
    const value = data.get(item.key);
    if (!value) {
      if (optional) continue;
      throw new Error(`configmap references non-existent config key: ${item.key}`);
    }
    payload.set(item.path, { data: value, mode: item.mode ?? mode });
  }
  return payload;
}

function downwardPayload(pod: KubeObject, items: DownwardAPIFile[], mode: number, facts: PodRuntimeFacts): Map<string, PayloadFile> {
  const payload = new Map<string, PayloadFile>();
  for (const item of items) {
    let value = '';
    if (item.fieldRef) value = fieldValue(pod, item.fieldRef.fieldPath, facts);
    else if (item.resourceFieldRef) value = resourceValue(pod, item.resourceFieldRef.containerName ?? '', item.resourceFieldRef, facts);
    payload.set(item.path, { data: Buffer.from(value, 'utf8'), mode: item.mode ?? mode });
  }
  return payload;
}

/** hostPath with kubelet's type checks; the *OrCreate types create what is missing. */
async function hostPath(path: string, type: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  switch (type) {
    case 'DirectoryOrCreate':
      if (!info) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!info.isDirectory()) throw new Error(`hostPath type check failed: ${path} is not a directory`);
      break;
    case 'FileOrCreate':
      if (!info) await writeFile(path, '', { mode: 0o644 });
      else if (!info.isFile()) throw new Error(`hostPath type check failed: ${path} is not a file`);
      break;
    case 'Directory':
      if (!info?.isDirectory()) throw new Error(`hostPath type check failed: ${path} is not a directory`);
      break;
    case 'File':
      if (!info?.isFile()) throw new Error(`hostPath type check failed: ${path} is not a file`);
      break;
  }
  return path;
}

/** A bound claim's volume, when it is a hostPath or local volume (what a single-host cluster provisions). */
async function claimPath(namespace: string, claimName: string, read: ReadObject): Promise<string> {
  const claim = await read('persistentvolumeclaims', namespace, claimName);
  if (!claim) throw new Error(`persistentvolumeclaim "${claimName}" not found`);
  const volumeName = (claim.spec as { volumeName?: string } | undefined)?.volumeName;
  if (!volumeName) throw new Error(`PVC ${namespace}/${claimName} is not bound`);
  const pv = await read('persistentvolumes', undefined, volumeName);
  const spec = (pv?.spec ?? {}) as { hostPath?: { path?: string }; local?: { path?: string } };
  const path = spec.hostPath?.path ?? spec.local?.path;
  if (!path) throw new Error(`persistentvolume "${volumeName}" has no hostPath or local path`);
  await mkdir(path, { recursive: true });
  return path;
}
