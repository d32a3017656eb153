// The scheduler's view of claims, volumes and classes for VolumeBinding, and its PreBind step:
// claims that waited for a consumer are given the chosen node, and the pod's binding waits
// until the PV controller and the provisioner have bound them.
import { annSelectedNode, claimClass, isDelayedBinding, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '../api/storage.js';
import { Informer, type Client } from '../client/index.js';
import { isClaimBound, podClaimNames, type VolumeListers } from './plugins/volume-binding.js';
import type { Pod } from './types.js';

type Log = (message: string, fields?: Record<string, unknown>) => void;

const claimsRef = { apiVersion: 'v1', plural: 'persistentvolumeclaims' };
const volumesRef = { apiVersion: 'v1', plural: 'persistentvolumes' };
const classesRef = { apiVersion: 'storage.k8s.io/v1', plural: 'storageclasses' };

export class VolumeBinder {
  readonly listers: VolumeListers;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly classes: Informer<StorageClass>;

  constructor(private readonly client: Client, log: Log, private readonly timeoutMs = 600_000, changed: () => void = () => undefined) {
    this.claims = new Informer<PersistentVolumeClaim>(client, claimsRef, undefined, { log });
    this.volumes = new Informer<PersistentVolume>(client, volumesRef, undefined, { log });
    this.classes = new Informer<StorageClass>(client, classesRef, undefined, { log });
    for (const informer of [this.claims, this.volumes, this.classes] as Array<Informer<PersistentVolumeClaim | PersistentVolume | StorageClass>>) {
      informer.on({ add: changed, update: changed });
    }
    this.listers = {
      claim: (namespace, name) => this.claims.get(namespace, name),
      volume: (name) => this.volumes.get(undefined, name),
      volumes: () => this.volumes.list(),
      storageClass: (name) => this.classes.get(undefined, name),
    };
  }

  run(signal: AbortSignal): Promise<void> {
    return Promise.all([this.claims.run(signal), this.volumes.run(signal), this.classes.run(signal)]).then(() => undefined);
  }

  synced(): Promise<void> {
    return Promise.all([this.claims.synced(), this.volumes.synced(), this.classes.synced()]).then(() => undefined);
  }

  /**
   * PreBind: annotates the pod's waiting claims with the node, then waits (checking every
   * 100 ms) until all its claims are bound. Resolves false when `cancelled` says to stop
   * (the pod is gone, the scheduler stops); throws when the time is up.
   */
  async bindPodVolumes(pod: Pod, nodeName: string, cancelled: () => boolean): Promise<boolean> {
    const namespace = pod.metadata.namespace ?? 'default';
    const names = podClaimNames(pod);
    for (const name of names) {
      const claim = this.claims.get(namespace, name);
      if (!claim || claim.spec?.volumeName || !isDelayedBinding(this.classes.get(undefined, claimClass(claim)))) continue;
      if (claim.metadata.annotations?.[annSelectedNode] === nodeName) continue;
      await this.client.patch(claimsRef, namespace, name, 'merge', { metadata: { annotations: { [annSelectedNode]: nodeName } } });
    }
    const deadline = Date.now() + this.timeoutMs;
    while (!names.every((name) => isClaimBound(this.claims.get(namespace, name)))) {
      if (cancelled()) return false;
      if (Date.now() > deadline) throw new Error('context deadline exceeded');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return true;
  }
}
