import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../api/types.js';
import { podSpecOf } from './pod-spec.js';

/**
 * kubelet's managed /etc/hosts: loopback entries plus the pod's own name at its IP (and its
 * FQDN when it has a subdomain). Written to `<podDir>/etc-hosts` and bind-mounted into
 * containers of non-host-network pods. Returns the file's path.
 */
export async function writeEtcHosts(pod: KubeObject, dir: string, podIP: string | undefined, clusterDomain: string): Promise<string> {
  const spec = podSpecOf(pod);
  const hostname = spec.hostname ?? pod.metadata.name ?? '';
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  if (podIP) {
    lines.push(spec.subdomain
      ? `${podIP}\t${hostname}.${spec.subdomain}.${pod.metadata.namespace ?? 'default'}.svc.${clusterDomain}\t${hostname}`
      : `${podIP}\t${hostname}`);
  }
  const path = join(dir, 'etc-hosts');
  const content = `${lines.join('\n')}\n`;
  // Written again only when it changes: the file is bind-mounted, and a rewrite in place would
  // let a container read it half-written.
  if (written.get(path) !== content) {
    await mkdir(dir, { recursive: true });
    await writeFile(path, content, { mode: 0o644 });
    written.set(path, content);
  }
  return path;
}

/** What each pod's hosts file holds, by path (dropped when the pod goes). */
const written = new Map<string, string>();

export function forgetEtcHosts(dir: string): void {
  written.delete(join(dir, 'etc-hosts'));
}
