/**
 * A built-in local-path provisioner (what k3s ships as rancher's local-path-provisioner): the
 * default StorageClass `local-path`, and for each claim of it, once the scheduler has chosen
 * this node for the claim's first pod, a directory DIR/storage/pvc-<uid>_<namespace>_<name> and
 * a hostPath PersistentVolume pinned to the node, pre-bound to the claim (the PV controller
 * completes the binding). A Released volume of ours with reclaim policy Delete loses its
 * directory, then its object.
 *
 * With simulated nodes nothing runs, so nothing is written: volumes are made for whichever node
 * the scheduler chose, as objects only, so StatefulSets' claims bind there as on a real cluster.
 *
 * The provisioner's name is `rancher.io/local-path`: StorageClasses, charts and docs written for
 * k3s name it, and the volumes made here have the same shape (directory name, hostPath with
 * node affinity, pv.kubernetes.io/provisioned-by), so they work unchanged.
 */
import { mkdir, rm, chmod } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import type { KubeObject } from '../api/types.js';
import {
  annBetaStorageProvisioner, annDefaultStorageClass, annDynamicallyProvisioned, annSelectedNode, annStorageProvisioner,
  claimClass, isDelayedBinding, type PersistentVolume, type PersistentVolumeClaim, type StorageClass,
} from '../api/storage.js';
import { EventRecorder, Informer, type Client } from '../client/index.js';
import { WorkQueue } from './queue.js';
import { claimKey, syncStorageKey, volumeKey } from './storage-keys.js';
import { errorMessage, isNotFound, statusCode, type Log } from './owners.js';
import { persistentVolumeClaimsRef, persistentVolumesRef, storageClassesRef } from './persistent-volume.js';

export const localPathProvisioner = 'rancher.io/local-path';
export const localPathClass = 'local-path';
/** Which node a volume was made on (local-path-provisioner's annotation). */
const annLocalPathNode = 'local.path.provisioner/selected-node';

/** The default class as k3s's local-storage manifest defines it. */
export const localPathStorageClass: StorageClass = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: localPathClass, annotations: { [annDefaultStorageClass]: 'true' } },
  provisioner: localPathProvisioner,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
};

/** Creates the `local-path` StorageClass unless it exists (a changed or deleted-and-recreated one is left alone). */
export async function ensureLocalPathStorageClass(client: Client): Promise<void> {
  try {
    await client.get(storageClassesRef, undefined, localPathClass);
  } catch (error: unknown) {
    if (!isNotFound(error)) throw error;
    await client.create(storageClassesRef, undefined, structuredClone(localPathStorageClass)).catch((e: unknown) => {
      if (statusCode(e) !== 409) throw e;
    });
  }
}

export interface LocalPathProvisionerOptions {
  client: Client;
  /** Where volumes' directories go (DIR/storage). */
  storageDir: string;
  /** The node whose disk storageDir is: volumes are made only for claims whose pod goes there. */
  nodeName?: string;
  /** Simulated nodes: volumes for any node, and no directories made or removed. */
  simulated?: boolean;
  log?: Log;
  now?: () => Date;
}

export class LocalPathProvisioner {
  readonly claims: Informer<PersistentVolumeClaim>;
  readonly volumes: Informer<PersistentVolume>;
  readonly classes: Informer<StorageClass>;
  private readonly queue = new WorkQueue(100);
  private readonly client: Client;
  private readonly log: Log;
  private readonly recorder: EventRecorder;

  constructor(private readonly options: LocalPathProvisionerOptions) {
    this.client = options.client;
    this.log = options.log ?? (() => undefined);
    this.recorder = new EventRecorder(this.client, `${localPathProvisioner}_${options.nodeName ?? 'simulated'}`, '', options.now, this.log);
    this.claims = new Informer<PersistentVolumeClaim>(this.client, persistentVolumeClaimsRef, undefined, { log: this.log });
    this.volumes = new Informer<PersistentVolume>(this.client, persistentVolumesRef, undefined, { log: this.log });
    this.classes = new Informer<StorageClass>(this.client, storageClassesRef, undefined, { log: this.log });
    const onClaim = (claim: PersistentVolumeClaim): void => this.queue.add(claimKey(claim.metadata.namespace ?? '', claim.metadata.name ?? ''));
    this.claims.on({ add: onClaim, update: (_old, claim) => onClaim(claim) });
    const onVolume = (volume: PersistentVolume): void => this.queue.add(volumeKey(volume.metadata.name ?? ''));
    this.volumes.on({ add: onVolume, update: (_old, volume) => onVolume(volume) });
  }

  async run(signal: AbortSignal): Promise<void> {
    const running = [this.claims, this.volumes, this.classes].map((informer) => informer.run(signal));
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    try {
      await ensureLocalPathStorageClass(this.client);
    } catch (error: unknown) {
      this.log('could not create the local-path StorageClass', { error: errorMessage(error) });
    }
    await Promise.race([Promise.all([this.claims.synced(), this.volumes.synced(), this.classes.synced()]), aborted]);
    try {
      if (!signal.aborted) await this.queue.run(1, (key) => this.sync(key), signal, this.log);
    } finally {
      await Promise.all(running);
    }
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

  /** The directory of a claim's volume. */
  pathFor(claim: PersistentVolumeClaim): string {
    return join(this.options.storageDir, `pvc-${claim.metadata.uid ?? ''}_${claim.metadata.namespace ?? ''}_${claim.metadata.name ?? ''}`);
  }

  /** external-provisioner's shouldProvision: unbound, asked of us, and (for WaitForFirstConsumer) placed. */
  private async syncClaim(claim: PersistentVolumeClaim): Promise<void> {
    if (claim.spec?.volumeName || claim.metadata.deletionTimestamp) return;
    const annotations = claim.metadata.annotations ?? {};
    if ((annotations[annStorageProvisioner] ?? annotations[annBetaStorageProvisioner]) !== localPathProvisioner) return;
    const sc = this.classes.get(undefined, claimClass(claim));
    if (sc?.provisioner !== localPathProvisioner) return;
    const selected = annotations[annSelectedNode];
    if (isDelayedBinding(sc) && !selected) return;
    const node = selected ?? this.options.nodeName;
    // Another node's disk is not ours to use.
    if (!node || (!this.options.simulated && node !== this.options.nodeName)) return;
    const name = `pvc-${claim.metadata.uid ?? ''}`;
    if (this.volumes.get(undefined, name)) return;
    const about: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: claim.metadata };
    const claimName = `${claim.metadata.namespace ?? ''}/${claim.metadata.name ?? ''}`;
    void this.recorder.record(about, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${claimName}"`);
    try {
      if (claim.spec?.volumeMode === 'Block') throw new Error('Block volume mode is not supported');
      if (claim.spec?.selector) throw new Error('claim.Spec.Selector is not supported');
      const path = this.pathFor(claim);
      if (!this.options.simulated) {
        await mkdir(path, { recursive: true });
        // Pods may run as any user.
        await chmod(path, 0o777);
      }
      await this.client.create<PersistentVolume>(persistentVolumesRef, undefined, this.volumeFor(claim, sc, node, name, path));
    } catch (error: unknown) {
      if (statusCode(error) === 409) return;
      void this.recorder.record(about, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name ?? ''}": ${errorMessage(error)}`);
      throw error;
    }
    void this.recorder.record(about, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${name}`);
  }

  private volumeFor(claim: PersistentVolumeClaim, sc: StorageClass, node: string, name: string, path: string): PersistentVolume {
    return {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, annotations: { [annDynamicallyProvisioned]: localPathProvisioner, [annLocalPathNode]: node } },
      spec: {
        capacity: { storage: String(claim.spec?.resources?.requests?.storage ?? '0') },
        accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
        storageClassName: sc.metadata.name ?? '',
        volumeMode: 'Filesystem',
        claimRef: {
          apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name,
          uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion,
        },
        hostPath: { path, type: 'DirectoryOrCreate' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
      },
    };
  }

  /** A Released volume of ours with policy Delete: its directory goes, then the object. */
  private async syncVolume(volume: PersistentVolume): Promise<void> {
    if (volume.metadata.annotations?.[annDynamicallyProvisioned] !== localPathProvisioner) return;
    if (volume.status?.phase !== 'Released' || volume.spec?.persistentVolumeReclaimPolicy !== 'Delete' || volume.metadata.deletionTimestamp) return;
    const node = volume.metadata.annotations[annLocalPathNode];
    if (!this.options.simulated && node && node !== this.options.nodeName) return;
    const path = volume.spec.hostPath?.path ?? volume.spec.local?.path ?? '';
    // Only ever remove a volume directory of our own, never a path a volume was edited to name.
    const inside = relative(this.options.storageDir, path);
    if (this.options.simulated) {
      // Nothing was written.
    } else if (path && !inside.startsWith('..') && !isAbsolute(inside) && /^pvc-[^/]+$/.test(inside)) {
      await rm(path, { recursive: true, force: true });
    } else {
      this.log('not removing a volume directory outside the storage dir', { volume: volume.metadata.name, path });
    }
    try {
      await this.client.delete(persistentVolumesRef, undefined, volume.metadata.name ?? '', { preconditions: { uid: volume.metadata.uid } });
    } catch (error: unknown) {
      if (isNotFound(error)) return;
      void this.recorder.record({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: volume.metadata }, 'Warning', 'VolumeFailedDelete', errorMessage(error));
      throw error;
    }
  }
}
