import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterCertificates } from './certificates.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** The admin kubeconfig text kubectl uses as is (context `litekube`). */
export function kubeconfigText(server: string, certificates: ClusterCertificates): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: litekube',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(certificates.caCert)}`,
    'users:',
    '- name: admin',
    '  user:',
    `    client-certificate-data: ${b64(certificates.adminCert)}`,
    `    client-key-data: ${b64(certificates.adminKey)}`,
    'contexts:',
    '- name: litekube',
    '  context:',
    '    cluster: litekube',
    '    user: admin',
    '    namespace: default',
    'current-context: litekube',
    'preferences: {}',
    '',
  ].join('\n');
}

/** Writes `<dataDir>/kubeconfig.yaml` atomically (mode 0600) and returns its path. */
export async function writeKubeconfig(dataDir: string, server: string, certificates: ClusterCertificates): Promise<string> {
  const path = join(dataDir, 'kubeconfig.yaml');
  await writeFile(`${path}.tmp`, kubeconfigText(server, certificates), { mode: 0o600 });
  await rename(`${path}.tmp`, path);
  return path;
}
