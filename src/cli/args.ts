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
    },
    strict: true,
    allowPositionals: false,
  });
  const port = values.port === undefined ? 6443 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Cannot start: --port must be a number from 0 to 65535, got "${values.port}"`);
  return { dataDir: values['data-dir'] ?? defaultDataDir(), port, host: values.host ?? '127.0.0.1', help: values.help ?? false };
}
