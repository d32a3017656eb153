/**
 * The PersistentVolume controller (kube-controller-manager's persistentvolume-binder): binds
 * claims to volumes and keeps both phases true. A claim finds the smallest matching volume, or
 * asks its class's provisioner for one (annotation volume.kubernetes.io/storage-provisioner and
 * an ExternalProvisioning event), or — when its class waits for the first consumer — waits until
 * the scheduler names a node (volume.kubernetes.io/selected-node). Binding writes the volume's
 * claimRef and the claim's spec.volumeName with kube's annotations; a volume whose claim is
 * gone becomes Released and is reclaimed per its policy (Delete is left to the provisioner that
 * made it, as with any external provisioner).
 */
import type { KubeObject } from '../api/types.js';
import {
  annBetaStorageProvisioner, annBindCompleted, annBoundByController, annDynamicallyProvisioned, annSelectedNode, annStorageProvisioner,
  claimClass, defaultClass, podClaims, findMatchingVolume, isDelayedBinding, isVolumeBoundToClaim,
  type PersistentVolume, type PersistentVolumeClaim, type StorageClass,
} from '../api/storage.js';
import { kubeTime } from '../api/time.js';
import { EventRecorder, Informer, type Client, type ResourceRef } from '../client/index.js';
import { WorkQueue } from './queue.js';
import { claimKey, syncStorageKey, volumeKey } from './storage-keys.js';
import { errorMessage, isConflict, isNotFound, type Log } from './owners.js';

export const persistentVolumesRef: ResourceRef = { apiVersion: 'v1', plural: 'persistentvolumes' };
export const persistentVolumeClaimsRef: ResourceRef = { apiVersion: 'v1', plural: 'persistentvolumeclaims' };
export const storageClassesRef: ResourceRef = { apiVersion: 'storage.k8s.io/v1', plural: 'storageclasses' };
const podsRef: ResourceRef = { apiVersion: 'v1', plural: 'pods' };

interface Pod extends KubeObject {
  spec?: { nodeName?: string; volumes?: Array<{ persistentVolumeClaim?: { claimName?: string } }> };
}

export interface PersistentVolumeControllerOptions {
  client: Client;
  log?: Log;
  now?: () => Date;
  /** Every claim and volume is synced again this often (kube's --pvclaimbinder-sync-period, 15 s). */
  resyncMs?: number;
}

const hasAnnotation = (object: KubeObject, key: string): boolean => object.metadata.annotations?.[key] !== undefined;
const claimRef = (claim: PersistentVolumeClaim): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: claim.metadata });
const volumeRef = (volume: PersistentVolume): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: volume.metadata });

export class PersistentVolumeController {
  readonly volumes: Informer<PersistentVolume>;
  readonly claims: Informer<PersistentVolumeClaim>;
  readonly classes: Informer<StorageClass>;
  private readonly pods: Informer<Pod>;
  private readonly queue = new WorkQueue();
  private readonly client: Client;
  private readonly log: Log;
  private readonly now: () => Date;
  private readonly recorder: EventRecorder;

  constructor(private readonly options: PersistentVolumeControllerOptions) {
    this.client = options.client;
    this.log = options.log ?? (() => undefined);
    this.now = options.now ?? (() => new Date());
    this.recorder = new EventRecorder(this.client, 'persistentvolume-controller', '', this.now, this.log);
    this.volumes = new Informer<PersistentVolume>(this.client, persistentVolumesRef, undefined, { log: this.log });
    this.claims = new Informer<PersistentVolumeClaim>(this.client, persistentVolumeClaimsRef, undefined, { log: this.log });
    this.classes = new Informer<StorageClass>(this.client, storageClassesRef, undefined, { log: this.log });
    this.pods = new Informer<Pod>(this.client, podsRef, undefined, { log: this.log });
    const onVolume = (volume: PersistentVolume): void => {
      this.queue.add(volumeKey(volume.metadata.name ?? ''));
      // A claim waiting for this (pre-bound) volume binds as soon as it appears.
      const ref = volume.spec?.claimRef;
      if (ref?.name) this.queue.add(claimKey(ref.namespace ?? '', ref.name));
    };
    this.volumes.on({ add: onVolume, update: (_old, volume) => onVolume(volume), delete: onVolume });
    const onClaim = (claim: PersistentVolumeClaim): void => {
      this.queue.add(claimKey(claim.metadata.namespace ?? '', claim.metadata.name ?? ''));
      if (claim.spec?.volumeName) this.queue.add(volumeKey(claim.spec.volumeName));
    };
    this.claims.on({ add: onClaim, update: (_old, claim) => onClaim(claim), delete: onClaim });
  }

  async run(signal: AbortSignal): Promise<void> {
    const running = [this.volumes, this.claims, this.classes, this.pods].map((informer) => informer.run(signal));
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([Promise.all([this.volumes.synced(), this.claims.synced(), this.classes.synced(), this.pods.synced()]), aborted]);
    const resync = setInterval(() => this.resync(), this.options.resyncMs ?? 15_000);
    resync.unref();
    try {
      if (!signal.aborted) await this.queue.run(2, (key) => this.sync(key), signal, this.log);
    } finally {
      clearInterval(resync);
      await Promise.all(running);
    }
  }

  private resync(): void {
    for (const volume of this.volumes.list()) this.queue.add(volumeKey(volume.metadata.name ?? ''));
    for (const claim of this.claims.list()) this.queue.add(claimKey(claim.metadata.namespace ?? '', claim.metadata.name ?? ''));
  }

  private sync(key: string): Promise<void> {
    return syncStorageKey(key, {
      volume: async (name) => {
        const volume = this.volumes.get(undefined, name);
        if (volume) await this.syncVolume(volume);
      },
      claim: async (namespace, name) => {
        const claim = this.claims.get(namespace, name);
        if (claim) await this.syncClaim(claim);
      },
    });
  }

  // ---- claims ----

  private async syncClaim(claim: PersistentVolumeClaim): Promise<void> {
    if (!hasAnnotation(claim, annBindCompleted)) return this.syncUnboundClaim(claim);
    return this.syncBoundClaim(claim);
  }

  private async syncUnboundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const volumeName = claim.spec?.volumeName;
    if (!volumeName) {
      const sc = this.classes.get(undefined, claimClass(claim));
      const delayBinding = isDelayedBinding(sc);
      const selected = claim.metadata.annotations?.[annSelectedNode];
      const node = selected ? { metadata: { name: selected, labels: { 'kubernetes.io/hostname': selected } } } : undefined;
      const volume = findMatchingVolume(claim, this.volumes.list(), { delayBinding, node });
      if (volume) return this.bind(volume, claim);
      if (await this.assignDefaultClass(claim)) return;
      if (delayBinding && !selected) {
        this.emitWaitForFirstConsumer(claim);
      } else if (claimClass(claim) !== '') {
        return this.provisionClaim(claim, sc);
      } else {
        void this.recorder.record(claimRef(claim), 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      }
      return this.setClaimPhase(claim, 'Pending');
    }
    // The user (or a provisioner) named the volume.
    const volume = this.volumes.get(undefined, volumeName);
    if (!volume) return this.setClaimPhase(claim, 'Pending');
    if (!volume.spec?.claimRef || isVolumeBoundToClaim(volume, claim)) return this.bind(volume, claim);
    if (!hasAnnotation(claim, annBoundByController)) {
      void this.recorder.record(claimRef(claim), 'Warning', 'FailedBinding', `volume "${volumeName}" already bound to a different claim.`);
    }
    return this.setClaimPhase(claim, 'Pending');
  }

  private async syncBoundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const volumeName = claim.spec?.volumeName;
    if (!volumeName) return this.claimLost(claim, 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
    const volume = this.volumes.get(undefined, volumeName);
    if (!volume) return this.claimLost(claim, 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
    const ref = volume.spec?.claimRef;
    if (!ref || ref.uid === claim.metadata.uid) return this.bind(volume, claim);
    return this.claimLost(claim, 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
  }

  private async claimLost(claim: PersistentVolumeClaim, reason: string, message: string): Promise<void> {
    if (claim.status?.phase !== 'Lost') void this.recorder.record(claimRef(claim), 'Warning', reason, message);
    await this.setClaimPhase(claim, 'Lost');
  }

  /** A claim without any class (the field absent) takes the default class once one exists (retroactive default StorageClass assignment). */
  private async assignDefaultClass(claim: PersistentVolumeClaim): Promise<boolean> {
    if (claim.spec?.storageClassName !== undefined && claim.spec.storageClassName !== null) return false;
    const chosen = defaultClass(this.classes.list());
    if (!chosen?.metadata.name) return false;
    const updated = structuredClone(claim);
    updated.spec = { ...updated.spec, storageClassName: chosen.metadata.name };
    await this.client.update(persistentVolumeClaimsRef, updated);
    return true;
  }

  /** WaitForFirstConsumer, or WaitForPodScheduled when pods using the claim wait for a node. */
  private emitWaitForFirstConsumer(claim: PersistentVolumeClaim): void {
    const waiting = this.pods.list(claim.metadata.namespace ?? '')
      .filter((pod) => !pod.spec?.nodeName && podClaims(pod).some((c) => c.name === claim.metadata.name))
      .map((pod) => pod.metadata.name ?? '');
    if (waiting.length === 0) {
      void this.recorder.record(claimRef(claim), 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
    } else {
      const message = waiting.length > 1 ? `waiting for pods ${waiting.join(',')} to be scheduled` : `waiting for pod ${waiting[0]} to be scheduled`;
      void this.recorder.record(claimRef(claim), 'Normal', 'WaitForPodScheduled', message);
    }
  }

  /** Asks the class's (external) provisioner for a volume: annotates the claim and says so. */
  private async provisionClaim(claim: PersistentVolumeClaim, sc: StorageClass | undefined): Promise<void> {
    if (!sc?.provisioner) {
      void this.recorder.record(claimRef(claim), 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${claimClass(claim)}" not found`);
      return this.setClaimPhase(claim, 'Pending');
    }
    let current = claim;
    const annotations = claim.metadata.annotations ?? {};
    if (annotations[annStorageProvisioner] !== sc.provisioner || annotations[annBetaStorageProvisioner] !== sc.provisioner) {
      const updated = structuredClone(claim);
      updated.metadata.annotations = { ...annotations, [annStorageProvisioner]: sc.provisioner, [annBetaStorageProvisioner]: sc.provisioner };
      current = await this.client.update(persistentVolumeClaimsRef, updated);
    }
    void this.recorder.record(claimRef(current), 'Normal', 'ExternalProvisioning',
      `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
    await this.setClaimPhase(current, 'Pending');
  }

  private async setClaimPhase(claim: PersistentVolumeClaim, phase: string, volume?: PersistentVolume): Promise<void> {
    const status = { ...(claim.status ?? {}), phase };
    if (volume) {
      status.accessModes = volume.spec?.accessModes ?? [];
      status.capacity = volume.spec?.capacity ?? {};
    } else if (phase !== 'Bound') {
      delete status.accessModes;
      delete status.capacity;
    }
    if (JSON.stringify(status) === JSON.stringify(claim.status ?? {})) return;
    await this.client.update<PersistentVolumeClaim>(persistentVolumeClaimsRef, { ...structuredClone(claim), status }, { subresource: 'status' });
  }

  /**
   * Binds in kube's order: the volume's claimRef, the volume Bound, the claim's volumeName and
   * annotations, the claim Bound. Each step is skipped when already done, so a sync that
   * stopped half-way finishes the next time.
   */
  private async bind(volume: PersistentVolume, claim: PersistentVolumeClaim): Promise<void> {
    let pv = volume;
    const ref = pv.spec?.claimRef;
    if (!ref || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace || ref.uid !== claim.metadata.uid) {
      const updated = structuredClone(pv);
      updated.spec = {
        ...updated.spec,
        claimRef: { kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion },
      };
      if (!isVolumeBoundToClaim(pv, claim)) updated.metadata.annotations = { ...updated.metadata.annotations, [annBoundByController]: 'yes' };
      pv = await this.client.update(persistentVolumesRef, updated);
    }
    pv = await this.setVolumePhase(pv, 'Bound');
    let pvc = claim;
    if (pvc.spec?.volumeName !== pv.metadata.name || !hasAnnotation(pvc, annBindCompleted)) {
      const updated = structuredClone(pvc);
      const annotations = { ...updated.metadata.annotations };
      if (updated.spec?.volumeName !== pv.metadata.name) {
        updated.spec = { ...updated.spec, volumeName: pv.metadata.name };
        annotations[annBoundByController] ??= 'yes';
      }
      annotations[annBindCompleted] ??= 'yes';
      updated.metadata.annotations = annotations;
      pvc = await this.client.update(persistentVolumeClaimsRef, updated);
    }
    await this.setClaimPhase(pvc, 'Bound', pv);
  }

  // ---- volumes ----

  private async syncVolume(volume: PersistentVolume): Promise<void> {
    const ref = volume.spec?.claimRef;
    // Unclaimed, or pre-bound by an administrator to a claim that does not exist yet.
    if (!ref?.uid) {
      await this.setVolumePhase(volume, 'Available');
      return;
    }
    let claim = ref.name ? this.claims.get(ref.namespace ?? '', ref.name) : undefined;
    if (claim && claim.metadata.uid !== ref.uid) claim = undefined; // a new claim with the old name
    if (!claim) {
      if (volume.status?.phase !== 'Released' && volume.status?.phase !== 'Failed') {
        // The informer may lag behind a claim just created: ask the API before releasing.
        const live = await this.client.get<PersistentVolumeClaim>(persistentVolumeClaimsRef, ref.namespace, ref.name ?? '').catch((error: unknown) => {
          if (isNotFound(error)) return undefined;
          throw error;
        });
        if (live?.metadata.uid === ref.uid) return;
        volume = await this.setVolumePhase(volume, 'Released');
      }
      return this.reclaim(volume);
    }
    if (!claim.spec?.volumeName) {
      // Binding half-done (or a dangling volume): the claim's sync completes it.
      this.queue.add(claimKey(claim.metadata.namespace ?? '', claim.metadata.name ?? ''));
      return;
    }
    if (claim.spec.volumeName === volume.metadata.name) {
      await this.setVolumePhase(volume, 'Bound');
      return;
    }
    // The claim went to another volume.
    if (hasAnnotation(volume, annDynamicallyProvisioned) && volume.spec?.persistentVolumeReclaimPolicy === 'Delete') {
      volume = await this.setVolumePhase(volume, 'Released');
      return this.reclaim(volume);
    }
    const updated = structuredClone(volume);
    if (hasAnnotation(volume, annBoundByController)) {
      updated.spec = { ...updated.spec, claimRef: null };
      delete updated.metadata.annotations?.[annBoundByController];
    } else {
      updated.spec = { ...updated.spec, claimRef: { ...ref, uid: '' } };
    }
    await this.setVolumePhase(await this.client.update(persistentVolumesRef, updated), 'Available');
  }

  /** A Released volume: Retain keeps it; Delete is its provisioner's to do; nothing here can recycle or delete. */
  private async reclaim(volume: PersistentVolume): Promise<void> {
    const policy = volume.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Retain' || volume.status?.phase === 'Failed') return;
    if (policy === 'Delete' && hasAnnotation(volume, annDynamicallyProvisioned)) return;
    const [reason, message] = policy === 'Recycle'
      ? ['VolumeFailedRecycle', 'No recycler plugin found for the volume!']
      : ['VolumeFailedDelete', `error getting deleter volume plugin for volume "${volume.metadata.name ?? ''}": no deletable volume plugin matched`];
    void this.recorder.record(volumeRef(volume), 'Warning', reason, message);
    await this.setVolumePhase(volume, 'Failed', message);
  }

  private async setVolumePhase(volume: PersistentVolume, phase: string, message?: string): Promise<PersistentVolume> {
    if (volume.status?.phase === phase && volume.status.message === message) return volume;
    const status: NonNullable<PersistentVolume['status']> = { phase };
    if (message) status.message = message;
    status.lastPhaseTransitionTime = volume.status?.phase === phase ? volume.status.lastPhaseTransitionTime : kubeTime(this.now());
    try {
      return await this.client.update<PersistentVolume>(persistentVolumesRef, { ...structuredClone(volume), status }, { subresource: 'status' });
    } catch (error: unknown) {
      if (!isConflict(error)) this.log('volume status update failed', { volume: volume.metadata.name, error: errorMessage(error) });
      throw error;
    }
  }
}
