/**
 * The ephemeral volume controller of kube-controller-manager: for each generic ephemeral volume
 * of a pod (volumes[].ephemeral.volumeClaimTemplate) it creates the claim `<pod>-<volume>`,
 * owned by the pod, so the claim (and a volume provisioned for it) lives and dies with the pod.
 * A claim of that name that the pod does not own is left alone, with an event.
 */
import { ephemeralClaimName } from '../api/storage.js';
import type { KubeObject } from '../api/types.js';
import { EventRecorder, Informer, type Client, type ResourceRef } from '../client/index.js';
import { WorkQueue } from './queue.js';
import { persistentVolumeClaimsRef } from './persistent-volume.js';
import { isControlledBy, keyOf, reasonOf, splitKey, type Log } from './owners.js';

const podsRef: ResourceRef = { apiVersion: 'v1', plural: 'pods' };

interface Template {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

interface Pod extends KubeObject {
  spec?: { volumes?: Array<{ name?: string; ephemeral?: { volumeClaimTemplate?: Template } }> };
}

export interface EphemeralVolumeControllerOptions {
  client: Client;
  log?: Log;
  now?: () => Date;
}

export class EphemeralVolumeController {
  private readonly pods: Informer<Pod>;
  private readonly claims: Informer;
  private readonly queue = new WorkQueue();
  private readonly log: Log;
  private readonly recorder: EventRecorder;

  constructor(private readonly options: EphemeralVolumeControllerOptions) {
    this.log = options.log ?? (() => undefined);
    this.recorder = new EventRecorder(options.client, 'ephemeral_volume', '', options.now ?? (() => new Date()), this.log);
    this.pods = new Informer<Pod>(options.client, podsRef, undefined, { log: this.log });
    this.claims = new Informer(options.client, persistentVolumeClaimsRef, undefined, { log: this.log });
    const enqueue = (pod: Pod): void => {
      if (!pod.metadata.deletionTimestamp && pod.spec?.volumes?.some((v) => v.ephemeral)) this.queue.add(keyOf(pod));
    };
    this.pods.on({ add: enqueue, update: (_old, pod) => enqueue(pod) });
    // A claim deleted under a live pod is made again.
    this.claims.on({
      delete: (claim) => {
        const owner = claim.metadata.ownerReferences?.find((o) => o.kind === 'Pod' && o.controller);
        if (owner) this.queue.add(`${claim.metadata.namespace ?? ''}/${owner.name}`);
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const running = [this.pods.run(signal), this.claims.run(signal)];
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([Promise.all([this.pods.synced(), this.claims.synced()]), aborted]);
    if (!signal.aborted) await this.queue.run(1, (key) => this.sync(key), signal, this.log);
    await Promise.all(running);
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(namespace, name);
    if (!pod || pod.metadata.deletionTimestamp) return;
    for (const volume of pod.spec?.volumes ?? []) {
      const template = volume.ephemeral?.volumeClaimTemplate;
      if (!template || !volume.name) continue;
      const claimName = ephemeralClaimName(name, volume.name);
      const existing = this.claims.get(namespace, claimName);
      if (existing) {
        if (!isControlledBy(existing, pod.metadata.uid)) {
          void this.recorder.record(pod, 'Warning', 'FailedBinding', `PVC ${namespace}/${claimName} was not created for pod ${namespace}/${name} (pod is not owner)`);
        }
        continue;
      }
      const claim: KubeObject = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name: claimName,
          ...(template.metadata?.labels ? { labels: template.metadata.labels } : {}),
          ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
          ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name, uid: pod.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
        },
        spec: template.spec ?? {},
      };
      try {
        await this.options.client.create(persistentVolumeClaimsRef, namespace, claim);
      } catch (error: unknown) {
        if (reasonOf(error) === 'AlreadyExists') continue;
        throw error;
      }
    }
  }
}
