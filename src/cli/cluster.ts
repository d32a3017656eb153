import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from '../apiserver/index.js';
import { InProcessClient } from '../client/index.js';
import { NamespaceController } from '../controllers/namespace.js';

/** A control plane plus the controllers that run beside it in this process. */
export interface Cluster {
  plane: ControlPlane;
  stop(): Promise<void>;
}

/** Starts the API server and its in-process controllers, each with its own identity. */
export async function startCluster(options: ControlPlaneOptions): Promise<Cluster> {
  const plane = await startControlPlane(options);
  const controllers = new AbortController();
  const client = InProcessClient.forServer(plane.server, { name: 'system:kube-controller-manager', groups: ['system:authenticated'] });
  const namespaces = new NamespaceController({ client, resources: plane.server.context.resources, log: options.log });
  const running = namespaces.run(controllers.signal);
  return {
    plane,
    async stop() {
      controllers.abort();
      await running;
      await plane.stop();
    },
  };
}
