import type { ResourceDefinition } from '../api/types.js';
import type { Client } from '../client/index.js';
import { CronJobController } from '../controllers/cronjob.js';
import { DaemonSetController } from '../controllers/daemonset.js';
import { DeploymentController } from '../controllers/deployment.js';
import { DisruptionController } from '../controllers/disruption.js';
import { GarbageCollector } from '../controllers/garbage-collector.js';
import { JobController } from '../controllers/job.js';
import { NodeLifecycleController } from '../controllers/node-lifecycle.js';
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

/**
 * The controller manager: every workload controller, each running until the signal aborts.
 * `rootCA` (the cluster CA's PEM) is what the root CA publisher puts in every namespace.
 */
export function runControllers(controllers: Client, resources: ResourceDefinition[], log: Log | undefined, timing: ControllerTiming | undefined, signal: AbortSignal, rootCA?: string): Array<Promise<void>> {
  return [
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
