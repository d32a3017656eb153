import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** The default data dir: /var/lib/litekube as root, ~/.litekube otherwise. */
export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/litekube' : join(homedir(), '.litekube');
}

export interface CommonFlags {
  dataDir: string;
  port: number;
  host: string;
  help: boolean;
  /** Simulated nodes to run (0: none). */
  simulatedNodes: number;
  /** Capacity of each simulated node. */
  simulatedCapacity: { cpu: string; memory: string; pods: string };
  /** Run the API server without the scheduler / the controllers (as k3s' --disable-*). */
  disableScheduler: boolean;
  disableControllerManager: boolean;
}

/** Parses the flags every subcommand shares; unknown flags are an error with usage. */
export function parseCommonFlags(argv: string[]): CommonFlags {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      simulated: { type: 'boolean' },
      'simulated-nodes': { type: 'string' },
      'simulated-node-cpu': { type: 'string' },
      'simulated-node-memory': { type: 'string' },
      'simulated-node-pods': { type: 'string' },
      'disable-scheduler': { type: 'boolean' },
      'disable-controller-manager': { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  const port = values.port === undefined ? 6443 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Cannot start: --port must be a number from 0 to 65535, got "${values.port}"`);
  const simulatedNodes = values['simulated-nodes'] === undefined ? (values.simulated ? 1 : 0) : Number(values['simulated-nodes']);
  if (!Number.isInteger(simulatedNodes) || simulatedNodes < 0 || simulatedNodes > 5000) {
    throw new Error(`Cannot start: --simulated-nodes must be a number from 0 to 5000, got "${values['simulated-nodes']}"`);
  }
  for (const [flag, value] of [['cpu', values['simulated-node-cpu']], ['memory', values['simulated-node-memory']], ['pods', values['simulated-node-pods']]] as const) {
    if (value !== undefined && !/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.test(value)) throw new Error(`Cannot start: --simulated-node-${flag} must be a quantity like 4, 500m or 8Gi, got "${value}"`);
  }
  return {
    dataDir: values['data-dir'] ?? defaultDataDir(),
    port,
    host: values.host ?? '127.0.0.1',
    help: values.help ?? false,
    simulatedNodes,
    simulatedCapacity: { cpu: values['simulated-node-cpu'] ?? '4', memory: values['simulated-node-memory'] ?? '8Gi', pods: values['simulated-node-pods'] ?? '110' },
    disableScheduler: values['disable-scheduler'] ?? false,
    disableControllerManager: values['disable-controller-manager'] ?? false,
  };
}
