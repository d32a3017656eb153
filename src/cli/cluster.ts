import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from '../apiserver/index.js';
import { InProcessClient, type Client } from '../client/index.js';
import { NamespaceController } from '../controllers/namespace.js';
import type { SimulatedNodes } from '../simulated/index.js';
import type { NodeAgent, NodeAgentOptions } from './node-agent.js';

export interface ClusterOptions extends ControlPlaneOptions {
  /** Simulated nodes to run beside the control plane (0: none). */
  simulatedNodes?: number;
  simulatedCapacity?: { cpu?: string; memory?: string; pods?: string };
  /** Run the real node agent (containerd and the kubelet) for this machine. */
  nodeAgent?: NodeAgentOptions;
  /** Leave out the scheduler / the controllers (the namespace controller always runs: deletes need it). */
  disableScheduler?: boolean;
  disableControllerManager?: boolean;
  /** User-facing progress lines (what is being installed). */
  say?: (line: string) => void;
  /** Shorter timings for tests (production defaults are kube's). */
  timing?: {
    jobBackoffBaseMs?: number;
    simulatedStartDelayMs?: number;
    simulatedLeaseRenewMs?: number;
    /** A node whose Lease is older than this is unreachable (kube: 40 s). */
    nodeMonitorGracePeriodMs?: number;
    nodeMonitorIntervalMs?: number;
  };
}

/** A control plane plus the components that run beside it in this process. */
export interface Cluster {
  plane: ControlPlane;
  /** The simulated nodes, when any run. */
  simulated?: SimulatedNodes;
  /** The node agent, when it runs. */
  agent?: NodeAgent;
  stop(): Promise<void>;
}

const users = {
  controllers: 'system:kube-controller-manager',
  scheduler: 'system:kube-scheduler',
  nodes: 'system:node:simulated',
};

/** Starts the API server, the scheduler, the controllers and any simulated nodes, each with its own identity. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  let agent: NodeAgent | undefined;
  const plane = await startControlPlane({ ...options, garbageCollector: !options.disableControllerManager, podLogs: () => agent?.logs, podExec: () => agent?.exec, podAttach: () => agent?.attach, podPortForward: () => agent?.portForward });
  const stopping = new AbortController();
  const signal = stopping.signal;
  // Every informer, watch and queue of every component listens for this one stop signal.
  setMaxListeners(0, signal);
  const clientAs = (name: string): Client => InProcessClient.forServer(plane.server, { name, groups: ['system:authenticated'] });
  const controllers = clientAs(users.controllers);
  const log = options.log;
  const resources = plane.server.context.resources;
  // The node agent's node, named once: its storage, its client's identity and its registration agree.
  const agentNodeName = options.nodeAgent ? (options.nodeAgent.nodeName ?? hostname()).toLowerCase() : undefined;
  const running: Array<Promise<void>> = [
    new NamespaceController({ client: controllers, resources, log }).run(signal),
  ];
  if (!options.disableControllerManager) {
    // Loaded only when used: a bare API server starts faster and smaller.
    const { runControllers } = await import('./controllers.js');
    // With a node agent, volumes are directories on this machine (DIR/storage), made for its node
    // (named as the agent names it); simulated nodes get volumes that are objects only.
    const storageDir = join(options.dataDir, 'storage');
    const localStorage = agentNodeName ? { storageDir, nodeName: agentNodeName }
      : (options.simulatedNodes ?? 0) > 0 ? { storageDir, simulated: true } : undefined;
    running.push(...runControllers(controllers, resources, log, options.timing, signal, { rootCA: plane.server.certificates?.caCert, localStorage }));
  }
  if (!options.disableScheduler) {
    const { Scheduler } = await import('../scheduler/index.js');
    running.push(new Scheduler({ client: clientAs(users.scheduler), log }).run(signal));
  }
  let simulated: SimulatedNodes | undefined;
  if (options.simulatedNodes && options.simulatedNodes > 0) {
    const { SimulatedNodes } = await import('../simulated/index.js');
    simulated = new SimulatedNodes({
      client: clientAs(users.nodes),
      count: options.simulatedNodes,
      capacity: options.simulatedCapacity,
      startDelayMs: options.timing?.simulatedStartDelayMs,
      leaseRenewMs: options.timing?.simulatedLeaseRenewMs,
      log,
    });
    await simulated.start(signal);
  }
  if (options.nodeAgent) {
    try {
      const { startNodeAgent } = await import('./node-agent.js');
      agent = await startNodeAgent(options.dataDir, clientAs(`system:node:${agentNodeName ?? ''}`), { ...options.nodeAgent, nodeName: agentNodeName }, log ?? (() => undefined), options.say ?? (() => undefined));
    } catch (error: unknown) {
      stopping.abort();
      simulated?.stopAll();
      await Promise.allSettled(running);
      await plane.stop();
      throw error;
    }
  }
  return {
    plane,
    simulated,
    agent,
    async stop() {
      await agent?.stop();
      stopping.abort();
      simulated?.stopAll();
      await Promise.allSettled(running);
      await plane.stop();
    },
  };
}
