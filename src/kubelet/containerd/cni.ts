/**
 * The pod network as a CNI conflist for containerd's CRI plugin: one Linux bridge on the node,
 * addresses from the node's podCIDR (host-local IPAM), hostPort support (portmap).
 * Loopback is not listed: containerd's CRI plugin always brings up `lo` in each pod itself.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CniOptions {
  /** The node's pod range, e.g. 10.42.0.0/24. */
  podCIDR: string;
  /** Bridge device name; tests pick their own so they never touch a running node's. */
  bridge?: string;
  /** Network name (also names host-local's state). */
  network?: string;
  /** Where host-local records allocated addresses; by default /var/lib/cni/networks, outside our directory. */
  ipamDataDir: string;
}

export const defaultBridge = 'litekube0';

// Linux interface names are at most 15 bytes (IFNAMSIZ - 1) and may not hold '/', ':' or spaces.
const ifname = /^[A-Za-z0-9_.-]{1,15}$/;
const ipv4Cidr = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function checkCidr(cidr: string): void {
  const m = ipv4Cidr.exec(cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 30) {
    throw new Error(`podCIDR ${JSON.stringify(cidr)} is not an IPv4 CIDR with room for pods (prefix ≤ /30)`);
  }
}

export function cniConflist(options: CniOptions): object {
  checkCidr(options.podCIDR);
  const bridge = options.bridge ?? defaultBridge;
  if (!ifname.test(bridge)) throw new Error(`bridge name ${JSON.stringify(bridge)} is not a valid interface name`);
  return {
    cniVersion: '1.0.0',
    name: options.network ?? 'litekube',
    plugins: [
      {
        type: 'bridge',
        bridge,
        // The bridge holds the podCIDR's first address and is the pods' default gateway.
        isGateway: true,
        // No masquerading: pod traffic stays on the node (DESIGN "Network safety"); the proxy owns NAT.
        ipMasq: false,
        // A pod reaching itself through a Service IP comes back through the same bridge port.
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: options.podCIDR }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: options.ipamDataDir,
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

export const conflistName = '10-litekube.conflist';

/** Writes the conflist where containerd's `conf_dir` points; returns its path. */
export async function writeCniConfig(confDir: string, options: CniOptions): Promise<string> {
  await mkdir(confDir, { recursive: true });
  const path = join(confDir, conflistName);
  await writeFile(path, JSON.stringify(cniConflist(options), null, 2) + '\n');
  return path;
}
