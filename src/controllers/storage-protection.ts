/**
 * The pvc-protection and pv-protection controllers of kube-controller-manager: a claim being
 * deleted keeps its kubernetes.io/pvc-protection finalizer while a scheduled pod names it; a volume being deleted keeps kubernetes.io/pv-protection while it is bound.
 * When that no longer holds, the finalizer goes and the deletion completes.
 */
import type { KubeObject } from '../api/types.js';
import { podClaims, pvcProtectionFinalizer, pvProtectionFinalizer, type PersistentVolume, type PersistentVolumeClaim } from '../api/storage.js';
import { Informer, type Client, type ResourceRef } from '../client/index.js';
import { WorkQueue } from './queue.js';
import { claimKey, volumeKey } from './storage-keys.js';
import { isConflict, isNotFound, splitKey, type Log } from './owners.js';
import { persistentVolumeClaimsRef, persistentVolumesRef } from './persistent-volume.js';

const podsRef: ResourceRef = { apiVersion: 'v1', plural: 'pods' };

interface Pod extends KubeObject {
  spec?: { nodeName?: string; volumes?: Array<{ persistentVolumeClaim?: { claimName?: string } }> };
  status?: { phase?: string };
}

export interface StorageProtectionControllerOptions {
  client: Client;
  log?: Log;
}


/**
 * The claims a pod holds, as kube's podUsesPVC counts them: once scheduled (kubelet refuses an
 * unscheduled one a deleting claim), until the pod object is gone; an ephemeral volume's claim
 * only until the pod has finished.
 */
function claimsInUse(pod: Pod): string[] {
  if (!pod.spec?.nodeName) return [];
  const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  return podClaims(pod).filter((c) => !c.ephemeral || !finished).map((c) => c.name);
}

export class StorageProtectionController {
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly pods: Informer<Pod>;
  private readonly queue = new WorkQueue();
  private readonly log: Log;

  constructor(private readonly options: StorageProtectionControllerOptions) {
    this.log = options.log ?? (() => undefined);
    this.claims = new Informer<PersistentVolumeClaim>(options.client, persistentVolumeClaimsRef, undefined, { log: this.log });
    this.volumes = new Informer<PersistentVolume>(options.client, persistentVolumesRef, undefined, { log: this.log });
    this.pods = new Informer<Pod>(options.client, podsRef, undefined, { log: this.log });
    const claimChanged = (claim: PersistentVolumeClaim): void => {
      if (claim.metadata.deletionTimestamp) this.queue.add(claimKey(claim.metadata.namespace ?? '', claim.metadata.name ?? ''));
    };
    this.claims.on({ add: claimChanged, update: (_old, claim) => claimChanged(claim) });
    const volumeChanged = (volume: PersistentVolume): void => {
      if (volume.metadata.deletionTimestamp) this.queue.add(volumeKey(volume.metadata.name ?? ''));
    };
    this.volumes.on({ add: volumeChanged, update: (_old, volume) => volumeChanged(volume) });
    // A pod that finishes or goes may free the claims it used.
    const podChanged = (pod: Pod): void => {
      for (const claim of podClaims(pod)) this.queue.add(claimKey(pod.metadata.namespace ?? '', claim.name));
    };
    this.pods.on({ update: (_old, pod) => podChanged(pod), delete: podChanged });
  }

  async run(signal: AbortSignal): Promise<void> {
    const running = [this.claims.run(signal), this.volumes.run(signal), this.pods.run(signal)];
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    // A pod missing from an unsynced cache is not a pod that is gone.
    await Promise.race([Promise.all([this.claims.synced(), this.volumes.synced(), this.pods.synced()]), aborted]);
    if (!signal.aborted) await this.queue.run(1, (key) => this.sync(key), signal, this.log);
    await Promise.all(running);
  }

  async sync(key: string): Promise<void> {
    if (key.startsWith('claim:')) {
      const { namespace, name } = splitKey(key.slice('claim:'.length));
      const claim = this.claims.get(namespace, name);
      if (!claim?.metadata.deletionTimestamp || !claim.metadata.finalizers?.includes(pvcProtectionFinalizer)) return;
      const user = this.pods.list(namespace).find((pod) => claimsInUse(pod).includes(name));
      if (user) return;
      // The cache may not have a pod scheduled a moment ago: a live list decides, as upstream's does.
      const live = await this.options.client.list<Pod>(podsRef, namespace);
      if (live.items.some((pod) => claimsInUse(pod).includes(name))) return;
      await this.removeFinalizer(persistentVolumeClaimsRef, claim, pvcProtectionFinalizer, () => this.queue.add(key));
      return;
    }
    const name = key.slice('volume:'.length);
    const volume = this.volumes.get(undefined, name);
    if (!volume?.metadata.deletionTimestamp || !volume.metadata.finalizers?.includes(pvProtectionFinalizer)) return;
    if (volume.status?.phase === 'Bound') return;
    await this.removeFinalizer(persistentVolumesRef, volume, pvProtectionFinalizer, () => this.queue.add(key));
  }

  /** An update with the object's resourceVersion: a conflict means a newer object, looked at again. */
  private async removeFinalizer(ref: ResourceRef, object: KubeObject, finalizer: string, retry: () => void): Promise<void> {
    const updated = { ...object, metadata: { ...object.metadata, finalizers: (object.metadata.finalizers ?? []).filter((f) => f !== finalizer) } };
    try {
      await this.options.client.update(ref, updated);
      this.log('removed storage protection finalizer', { object: `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`, finalizer });
    } catch (error: unknown) {
      if (isNotFound(error)) return;
      if (isConflict(error)) return retry();
      throw error;
    }
  }
}
