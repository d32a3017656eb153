import { parseCommonFlags } from './args.js';
import { createLogger } from './log.js';
import { startCluster } from './cluster.js';

const usage = `Usage: litekube <command> [flags]

Commands:
  server   run the API server and its store
  up       run a one-node cluster: the control plane and a node agent running pods with containerd
  image load FILE.tar…
           import image archives (docker save, OCI layout) into the running node's containerd

Flags:
  --data-dir DIR   where state, certificates and kubeconfig.yaml live
                   (default /var/lib/litekube as root, ~/.litekube otherwise)
  --port PORT      HTTPS port of the API server (default 6443; 0 picks a free one)
  --host ADDRESS   listen address (default 127.0.0.1)
  --simulated-nodes N      run N simulated nodes (pods on them run nothing)
  --simulated              with up: one simulated node instead of a real one
  --simulated-node-cpu Q, --simulated-node-memory Q, --simulated-node-pods N
                           capacity of each simulated node (default 4, 8Gi, 110)
  --disable-scheduler, --disable-controller-manager
                           run without the scheduler / the controllers
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(usage);
    return command ? 0 : 2;
  }
  if (command === 'image') {
    const { imageCommand } = await import('./image.js');
    return imageCommand(rest);
  }
  if (command !== 'server' && command !== 'up') {
    process.stderr.write(`litekube: unknown command "${command}"\n\n${usage}`);
    return 2;
  }
  let flags;
  try {
    flags = parseCommonFlags(rest);
  } catch (error: unknown) {
    process.stderr.write(`litekube ${command}: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(usage);
    return 0;
  }
  const started = performance.now();
  const log = createLogger(command);
  const simulatedNodes = flags.simulatedNodes;
  const nodeAgent = command === 'up' && simulatedNodes === 0 ? {} : undefined;
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const cluster = await startCluster({ dataDir: flags.dataDir, port: flags.port, host: flags.host, log, simulatedNodes, simulatedCapacity: flags.simulatedCapacity, nodeAgent, say,
    disableScheduler: flags.disableScheduler, disableControllerManager: flags.disableControllerManager });
  log('ready', { url: cluster.plane.server.url, kubeconfig: cluster.plane.server.kubeconfigPath, startupMs: Math.round(performance.now() - started) });
  if (simulatedNodes > 0) {
    process.stdout.write(`${simulatedNodes} simulated node(s): pods are scheduled and reported Running, but no containers run.\n`);
  } else if (cluster.agent) {
    process.stdout.write(`Node ${cluster.agent.nodeName} runs pods with containerd (images present offline: ${cluster.agent.localImages.join(', ')}).\n`);
  }
  process.stdout.write(`litekube is ready at ${cluster.plane.server.url}\nexport KUBECONFIG=${cluster.plane.server.kubeconfigPath}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log('stopping', { signal });
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await cluster.stop();
  log('stopped');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`litekube: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
