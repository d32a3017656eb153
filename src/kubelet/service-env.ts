import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';

const servicesRef = { apiVersion: 'v1', plural: 'services' };

/**
 * The docker-links style variables kubelet injects for services (KUBERNETES_SERVICE_HOST and
 * friends): the master service always, the namespace's other services when service links
 * are enabled. Services without a cluster IP are skipped. Failures yield what was read.
 */
export async function serviceEnv(client: Client, namespace: string, masterOnly = false): Promise<Record<string, string>> {
  const services: KubeObject[] = [];
  const master = await client.get(servicesRef, 'default', 'kubernetes').catch(() => undefined);
  if (!masterOnly && namespace !== 'default') services.push(...(await client.list(servicesRef, namespace).catch(() => ({ items: [] as KubeObject[] }))).items);
  if (!masterOnly && namespace === 'default') services.push(...(await client.list(servicesRef, 'default').catch(() => ({ items: [] as KubeObject[] }))).items.filter((s) => s.metadata.name !== 'kubernetes'));
  if (master) services.push(master);
  const env: Record<string, string> = {};
  for (const service of services) {
    const spec = (service.spec ?? {}) as { clusterIP?: string; ports?: Array<{ name?: string; port: number; protocol?: string }> };
    const ip = spec.clusterIP;
    if (!ip || ip === 'None' || !spec.ports?.length) continue;
    const prefix = (service.metadata.name ?? '').toUpperCase().replace(/-/g, '_');
    const first = spec.ports[0]!;
    env[`${prefix}_SERVICE_HOST`] = ip;
    env[`${prefix}_SERVICE_PORT`] = String(first.port);
    for (const p of spec.ports) if (p.name) env[`${prefix}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`] = String(p.port);
    env[`${prefix}_PORT`] = `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`;
    for (const p of spec.ports) {
      const proto = (p.protocol ?? 'TCP');
      const base = `${prefix}_PORT_${p.port}_${proto}`;
      env[base] = `${proto.toLowerCase()}://${ip}:${p.port}`;
      env[`${base}_PROTO`] = proto.toLowerCase();
      env[`${base}_PORT`] = String(p.port);
      env[`${base}_ADDR`] = ip;
    }
  }
  return env;
}
