import type { FieldError, KubeObject, ResourceDefinition } from '../../api/types.js';
import type { Registry } from '../registry/engine.js';
import { decodeStored, listPrefix } from '../registry/objects.js';

/** The service CIDR (k3s' default); the `kubernetes` Service takes its first address. */
export const serviceCidr = { base: ipToNumber('10.43.0.0'), size: 1 << 16 };
export const kubernetesServiceIp = '10.43.0.1';
const nodePortRange = { first: 30000, last: 32767 };

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

type Spec = Record<string, unknown>;
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Allocates Service cluster IPs from the service CIDR and node ports from 30000-32767, as
 * kube-apiserver's service REST storage does on create. Addresses in use are read from the
 * stored Services; allocations run one at a time so concurrent creates never share one.
 */
export class ServiceAddressAllocator {
  private queue: Promise<unknown> = Promise.resolve();
  /** Given out but perhaps not stored yet: kept for a while so a concurrent create skips them. */
  private readonly pendingIps = new Map<string, string>();
  private readonly pendingPorts = new Map<number, string>();

  admit(registry: Registry, definition: ResourceDefinition, object: KubeObject, old: KubeObject | undefined): Promise<FieldError[]> {
    if (definition.group !== '' || definition.kind !== 'Service' || !isRecord(object.spec)) return Promise.resolve([]);
    const run = this.queue.then(() => this.allocate(registry, definition, object.spec as Spec, old, object));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async inUse(registry: Registry, definition: ResourceDefinition, self: KubeObject): Promise<{ ips: Set<string>; ports: Set<number> }> {
    const isKubernetesService = self.metadata.namespace === 'default' && self.metadata.name === 'kubernetes';
    const others = <T>(pending: Map<T, string>): T[] => [...pending].filter(([, uid]) => uid !== self.metadata.uid).map(([value]) => value);
    const ips = new Set<string>([...(isKubernetesService ? [] : [kubernetesServiceIp]), ...others(this.pendingIps)]);
    const ports = new Set<number>(others(this.pendingPorts));
    const listed = await registry.store.list(listPrefix(definition, undefined));
    for (const stored of listed.items) {
      const service = decodeStored(definition, stored);
      if (service.metadata.uid === self.metadata.uid) continue;
      const spec = isRecord(service.spec) ? service.spec : {};
      if (typeof spec.clusterIP === 'string') ips.add(spec.clusterIP);
      for (const port of Array.isArray(spec.ports) ? spec.ports : []) if (isRecord(port) && typeof port.nodePort === 'number') ports.add(port.nodePort);
    }
    return { ips, ports };
  }

  private hold<T>(pending: Map<T, string>, value: T, registry: Registry, definition: ResourceDefinition, owner: KubeObject): void {
    const uid = owner.metadata.uid ?? '';
    pending.set(value, uid);
    const release = (): void => {
      if (pending.get(value) === uid) pending.delete(value);
    };
    // Once the owner is stored its listing speaks for it, and deleting it frees the value at once.
    setTimeout(() => {
      registry.read(definition, owner.metadata.namespace, owner.metadata.name ?? '').then((found) => {
        if (found && found.object.metadata.uid === uid) release();
      }, () => undefined);
    }, 1_000).unref();
    setTimeout(release, 10_000).unref();
  }

  private async allocate(registry: Registry, definition: ResourceDefinition, spec: Spec, old: KubeObject | undefined, object: KubeObject): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    const wantsNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    const oldSpec = old && isRecord(old.spec) ? old.spec : {};
    const needsIp = spec.type !== 'ExternalName' && (spec.clusterIP === undefined || spec.clusterIP === '');
    const requestedIp = typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && spec.clusterIP !== 'None' && spec.clusterIP !== oldSpec.clusterIP ? spec.clusterIP : undefined;
    const ports = (Array.isArray(spec.ports) ? spec.ports : []).filter(isRecord);
    const needsPorts = wantsNodePorts && ports.some((p) => p.nodePort === undefined || p.nodePort === 0);
    if (spec.type === 'ExternalName') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (!needsIp && !requestedIp && !needsPorts) return errors;
    const used = await this.inUse(registry, definition, object);
    if (requestedIp) {
      const n = ipToNumber(requestedIp);
      if (n <= serviceCidr.base || n >= serviceCidr.base + serviceCidr.size - 1) {
        errors.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', value: [requestedIp], detail: `failed to allocate IP ${requestedIp}: the provided IP (${requestedIp}) is not in the valid range. The range of valid IPs is 10.43.0.0/16` });
      } else if (used.ips.has(requestedIp)) {
        errors.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', value: [requestedIp], detail: `failed to allocate IP ${requestedIp}: provided IP is already allocated` });
      } else {
        // Held like an allocated one: a concurrent create asking for it must not get it too.
        this.hold(this.pendingIps, requestedIp, registry, definition, object);
      }
      spec.clusterIPs = [requestedIp];
    } else if (needsIp) {
      const ip = this.freeIp(used.ips, object.metadata.uid ?? '');
      if (!ip) return [{ type: 'InternalError', field: 'spec.clusterIPs', detail: 'failed to allocate a serviceIP: range is full' }];
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      this.hold(this.pendingIps, ip, registry, definition, object);
    }
    if (spec.clusterIP === 'None') spec.clusterIPs = ['None'];
    for (const port of wantsNodePorts ? ports : []) {
      if (typeof port.nodePort === 'number' && port.nodePort !== 0) {
        if (used.ports.has(port.nodePort) && !(Array.isArray(oldSpec.ports) && oldSpec.ports.some((p) => isRecord(p) && p.nodePort === port.nodePort))) {
          errors.push({ type: 'FieldValueInvalid', field: 'spec.ports[0].nodePort', value: port.nodePort, detail: 'provided port is already allocated' });
        } else if (!used.ports.has(port.nodePort)) {
          this.hold(this.pendingPorts, port.nodePort, registry, definition, object);
        }
        used.ports.add(port.nodePort);
        continue;
      }
      for (let candidate = nodePortRange.first; candidate <= nodePortRange.last; candidate++) {
        // Start from a pseudo-random point as kube does, so ports are not predictable.
        const offset = (candidate - nodePortRange.first + hash(object.metadata.uid ?? '')) % (nodePortRange.last - nodePortRange.first + 1);
        const port2 = nodePortRange.first + offset;
        if (!used.ports.has(port2)) {
          port.nodePort = port2;
          used.ports.add(port2);
          this.hold(this.pendingPorts, port2, registry, definition, object);
          break;
        }
      }
    }
    return errors;
  }

  /** A free address, starting at a point derived from the uid (kube picks randomly). */
  private freeIp(used: Set<string>, uid: string): string | undefined {
    const usable = serviceCidr.size - 2;
    const start = hash(uid) % usable;
    for (let i = 0; i < usable; i++) {
      const ip = numberToIp(serviceCidr.base + 1 + ((start + i) % usable));
      if (!used.has(ip)) return ip;
    }
    return undefined;
  }
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}
