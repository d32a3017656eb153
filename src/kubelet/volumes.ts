import { ephemeralClaimName } from '../api/storage.js';
import { execFile } from 'node:child_process';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeObject } from '../api/types.js';
import { parseQuantity } from '../api/validation/quantity.js';
import { writePayload, type PayloadFile } from './atomic-writer.js';
import { mountsUnder, unmountUnder } from './containerd/host-state.js';
import { fieldValue, resourceValue, type PodRuntimeFacts } from './downward.js';
import { notFoundMessage, objectData, type ReadObject } from './objects.js';
import { isSidecar, podSpecOf, type DownwardAPIFile, type KeyToPath, type Volume } from './pod-spec.js';
import { serviceAccountTokenFile, type ServiceAccountTokenManager } from './service-account-token.js';
import { errorMessage } from './util.js';

/** A volume could not be set up: the pod stays ContainerCreating with a FailedMount event. */
export class VolumeError extends Error {}

/** Volume name → the host directory (or file) that backs it. */
export type VolumePaths = Map<string, string>;

/** A claim that cannot be resolved to a bound volume yet (kubelet's populator "failed to process" it). */
class ClaimError extends Error {}

/**
 * Sets up every volume of the pod under `podDir` (kubelet's volumes/kubernetes.io~<plugin>/<name>
 * layout) and returns where each lives. Idempotent: run on every sync, it refreshes ConfigMap,
 * Secret and downward API contents, swapping them atomically when they changed.
 */
export async function setUpVolumes(pod: KubeObject, podDir: string, facts: PodRuntimeFacts, read: ReadObject, tokens?: ServiceAccountTokenManager, mounted = false): Promise<VolumePaths> {
  const paths: VolumePaths = new Map();
  const unprocessed: Array<{ name: string; error: string }> = [];
  for (const volume of podSpecOf(pod).volumes ?? []) {
    try {
      paths.set(volume.name, await setUpVolume(pod, podDir, volume, facts, read, tokens, mounted));
    } catch (error: unknown) {
      if (error instanceof ClaimError) {
        unprocessed.push({ name: volume.name, error: error.message });
        continue;
      }
      throw new VolumeError(`MountVolume.SetUp failed for volume "${volume.name}" : ${errorMessage(error)}`);
    }
  }
  if (unprocessed.length > 0) {
    // kubelet's WaitForAttachAndMount error, lists as Go prints them: the pod waits (ContainerCreating) until the claims are bound.
    const names = `[${unprocessed.map((u) => u.name).join(' ')}]`;
    throw new VolumeError(`Unable to attach or mount volumes: unmounted volumes=${names}, unattached volumes=[], failed to process volumes=${names}: ${unprocessed.map((u) => u.error).join('; ')}`);
  }
  return paths;
}

/** Unmounts what the pod's volumes mounted on the host (memory-backed emptyDirs) before its directory goes. */
export function tearDownVolumes(podDir: string): void {
  const left = unmountUnder(podDir);
  if (left.length > 0) throw new Error(`cannot unmount ${left.join(', ')}`);
}

const pluginDir = (podDir: string, plugin: string, name: string): string => join(podDir, 'volumes', `kubernetes.io~${plugin}`, name);

async function setUpVolume(pod: KubeObject, podDir: string, volume: Volume, facts: PodRuntimeFacts, read: ReadObject, tokens: ServiceAccountTokenManager | undefined, mounted: boolean): Promise<string> {
  const namespace = pod.metadata.namespace ?? 'default';
  if (volume.emptyDir) {
    const dir = pluginDir(podDir, 'empty-dir', volume.name);
    await mkdir(dir, { recursive: true });
    // kubelet makes emptyDirs world-writable: containers may run as any user.
    await chmod(dir, 0o777);
    if (volume.emptyDir.medium === 'Memory' && !mountsUnder(dir).includes(dir)) {
      const size = memoryVolumeSize(pod, volume.emptyDir.sizeLimit, facts.allocatable.memory);
      await run('mount', ['-t', 'tmpfs', ...(size > 0 ? ['-o', `size=${size}`] : []), 'tmpfs', dir]);
    }
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
  if (claim?.claimName) return claimPath(namespace, claim.claimName, read, mounted);
  if ((volume as { ephemeral?: unknown }).ephemeral) {
    // A generic ephemeral volume: the claim the ephemeral volume controller made for this pod.
    return claimPath(namespace, ephemeralClaimName(pod.metadata.name ?? '', volume.name), read, mounted, pod.metadata.uid);
  }
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

/**
 * A bound claim's volume, when it is a hostPath or local volume (what a single-host cluster
 * provisions). `mounted`: the pod's volumes were set up before; `ownerUid`: an ephemeral
 * volume's claim must be the pod's own. An unbound or missing claim is a ClaimError, worded as kubelet's populator.
 */
async function claimPath(namespace: string, claimName: string, read: ReadObject, mounted: boolean, ownerUid?: string): Promise<string> {
  const failed = (message: string): ClaimError => new ClaimError(`error processing PVC ${namespace}/${claimName}: ${message}`);
  const claim = await read('persistentvolumeclaims', namespace, claimName);
  if (!claim) throw failed(`failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`);
  if (ownerUid !== undefined && !claim.metadata.ownerReferences?.some((o) => o.controller && o.uid === ownerUid)) {
    throw failed(`PVC ${namespace}/${claimName} was not created for the pod`);
  }
  // Only a pod about to start is refused: one running keeps its mounted claim (the
  // pvc-protection finalizer holds the claim until the pod is gone).
  if (claim.metadata.deletionTimestamp && !mounted) throw failed(`can't start pod because PVC ${namespace}/${claimName} is being deleted`);
  const volumeName = (claim.spec as { volumeName?: string } | undefined)?.volumeName ?? '';
  const phase = (claim.status as { phase?: string } | undefined)?.phase ?? '';
  if (phase !== 'Bound' || !volumeName) throw failed(`PVC ${namespace}/${claimName} has non-bound phase ("${phase}") or empty pvc.Spec.VolumeName ("${volumeName}")`);
  const pv = await read('persistentvolumes', undefined, volumeName);
  if (!pv) throw failed(`failed to fetch PV ${volumeName} from API server: persistentvolumes "${volumeName}" not found`);
  const spec = (pv.spec ?? {}) as { hostPath?: { path?: string; type?: string }; local?: { path?: string }; claimRef?: { uid?: string } | null };
  if (!spec.claimRef) throw failed(`found PV object ${volumeName} but it has a nil pv.Spec.ClaimRef indicating it is not yet bound to the claim`);
  if (spec.claimRef.uid !== claim.metadata.uid) throw failed(`found PV object ${volumeName} but its pv.Spec.ClaimRef.UID ${spec.claimRef.uid ?? ''} does not point to claim.UID ${claim.metadata.uid ?? ''}`);
  if (spec.hostPath?.path) return hostPath(spec.hostPath.path, spec.hostPath.type ?? '');
  if (spec.local?.path) {
    if (!(await stat(spec.local.path).catch(() => undefined))) throw new Error(`path "${spec.local.path}" does not exist`);
    return spec.local.path;
  }
  throw new Error(`persistentvolume "${volumeName}" has no hostPath or local path`);
}

const run = promisify(execFile);

/**
 * The size of a memory-backed emptyDir (kubelet's calculateEmptyDirMemorySize): node allocatable
 * memory, lowered to the pod's memory limit when every container has one, lowered to the
 * volume's sizeLimit when set.
 */
export function memoryVolumeSize(pod: KubeObject, sizeLimit: string | undefined, allocatable: string): number {
  let size = parseQuantity(allocatable) ?? 0;
  const spec = podSpecOf(pod);
  const limitOf = (c: { resources?: { limits?: Record<string, string | number> } }): number | undefined => parseQuantity(c.resources?.limits?.memory);
  const all = [...spec.containers, ...(spec.initContainers ?? [])];
  if (all.length > 0 && all.every((c) => limitOf(c) !== undefined)) {
    // Sidecars run beside the app containers; other init containers run alone before them.
    const running = [...spec.containers, ...(spec.initContainers ?? []).filter(isSidecar)].reduce((sum, c) => sum + (limitOf(c) ?? 0), 0);
    const podLimit = Math.max(running, ...(spec.initContainers ?? []).map((c) => limitOf(c) ?? 0));
    if (podLimit > 0 && podLimit <= size) size = podLimit;
  }
  const volumeLimit = parseQuantity(sizeLimit);
  if (volumeLimit !== undefined && volumeLimit > 0 && volumeLimit <= size) size = volumeLimit;
  return Math.floor(size);
}
