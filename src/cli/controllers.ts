import type { ResourceDefinition } from '../api/types.js';
import type { Client } from '../client/index.js';
import { CronJobController } from '../controllers/cronjob.js';
import { DaemonSetController } from '../controllers/daemonset.js';
import { DeploymentController } from '../controllers/deployment.js';
import { DisruptionController } from '../controllers/disruption.js';
import { GarbageCollector } from '../controllers/garbage-collector.js';
import { JobController } from '../controllers/job.js';
import { LocalPathProvisioner } from '../controllers/local-path-provisioner.js';
import { NodeLifecycleController } from '../controllers/node-lifecycle.js';
import { PersistentVolumeController } from '../controllers/persistent-volume.js';
import { StorageProtectionController } from '../controllers/storage-protection.js';
import { EphemeralVolumeController } from '../controllers/ephemeral-volume.js';
import { ReplicaSetController } from '../controllers/replicaset.js';
import { ResourceQuotaController } from '../controllers/resource-quota.js';
import { RootCACertPublisher } from '../controllers/root-ca-publisher.js';
import { ServiceAccountsController } from '../controllers/serviceaccount.js';
import { StatefulSetController } from '../controllers/statefulset.js';

type Log = (message: string, fields?: Record<string, unknown>) => void;

export interface ControllerTiming {
  jobBackoffBaseMs?: number;
  nodeMonitorGracePeriodMs?: number;
  nodeMonitorIntervalMs?: number;
}

/** The local-path provisioner's directory and the node it is on (or simulated: any node, nothing written). */
export interface LocalStorage {
  storageDir: string;
  nodeName?: string;
  simulated?: boolean;
}

/**
 * The controller manager: every workload controller, each running until the signal aborts.
 * `rootCA` (the cluster CA's PEM) is what the root CA publisher puts in every namespace; with
 * `localStorage` (a node agent or simulated nodes run here) the local-path provisioner runs too.
 */
export function runControllers(
  controllers: Client, resources: ResourceDefinition[], log: Log | undefined, timing: ControllerTiming | undefined, signal: AbortSignal,
  extras: { rootCA?: string | undefined; localStorage?: LocalStorage | undefined } = {},
): Array<Promise<void>> {
  const { rootCA, localStorage } = extras;
  const storage = localStorage ? [new LocalPathProvisioner({ client: controllers, log, ...localStorage }).run(signal)] : [];
  return [
    ...storage,
    new PersistentVolumeController({ client: controllers, log }).run(signal),
    new StorageProtectionController({ client: controllers, log }).run(signal),
    new EphemeralVolumeController({ client: controllers, log }).run(signal),
    new ServiceAccountsController({ client: controllers, log }).run(signal),
    ...(rootCA ? [new RootCACertPublisher({ client: controllers, rootCA, log }).run(signal)] : []),
    new GarbageCollector({ client: controllers, resources, log }).run(signal),
    new ReplicaSetController({ client: controllers, log }).run(signal),
    new DeploymentController({ client: controllers, log }).run(signal),
    new StatefulSetController({ client: controllers, log }).run(signal),
    new DaemonSetController({ client: controllers, log }).run(signal),
    new JobController({ client: controllers, log, backoffBaseMs: timing?.jobBackoffBaseMs }).run(signal),
    new CronJobController({ client: controllers, log }).run(signal),
    new DisruptionController({ client: controllers, log }).run(signal),
    new NodeLifecycleController({
      client: controllers, log, nodeMonitorGracePeriodMs: timing?.nodeMonitorGracePeriodMs, monitorIntervalMs: timing?.nodeMonitorIntervalMs,
    }).run(signal),
    new ResourceQuotaController({ client: controllers, log }).run(signal),
  ];
}
