/**
 * Addresses of simulated nodes. Nothing ever sends traffic to them: they only have to look
 * like a real cluster's (a /24 pod CIDR per node, an InternalIP per node) and never collide.
 */

/** Pod CIDR of node number `index` (1-based): 10.42.<index>.0/24, spilling into 10.43+ past 255 nodes. */
export function podCidrFor(index: number): string {
  const second = 42 + Math.floor(index / 256);
  return `10.${second}.${index % 256}.0/24`;
}

/** InternalIP of node number `index` inside 10.44.0.0/16 (never 10.44.0.0 itself). */
export function internalIpFor(index: number): string {
  const host = index + 1;
  return `10.44.${Math.floor(host / 256) % 256}.${host % 256}`;
}

/**
 * Hands out pod IPs of one node's /24: .2 upward (.1 is the bridge/gateway on real
 * nodes, .255 broadcast), reusing freed addresses, lowest first, as host-local IPAM does
 * after a wrap-around.
 */
export class PodIpPool {
  private readonly prefix: string;
  private readonly used = new Map<string, number>(); // owner (pod uid) -> host octet
  private readonly taken = new Set<number>();

  constructor(cidr: string) {
    const match = /^(\d+\.\d+\.\d+)\.0\/24$/.exec(cidr);
    if (!match) throw new Error(`simulated nodes support /24 pod CIDRs only, got ${cidr}`);
    this.prefix = match[1] as string;
  }

  /** The IP of owner, allocating one if it has none. Throws when the /24 is exhausted. */
  allocate(owner: string): string {
    const existing = this.used.get(owner);
    if (existing !== undefined) return `${this.prefix}.${existing}`;
    for (let host = 2; host <= 254; host++) {
      if (this.taken.has(host)) continue;
      this.taken.add(host);
      this.used.set(owner, host);
      return `${this.prefix}.${host}`;
    }
    throw new Error(`no pod IPs left in ${this.prefix}.0/24`);
  }

  /** Claims a specific IP (a pod that already had it before a restart); false if it is not ours or taken. */
  reserve(owner: string, ip: string): boolean {
    if (!ip.startsWith(`${this.prefix}.`)) return false;
    const host = Number(ip.slice(this.prefix.length + 1));
    if (!Number.isInteger(host) || host < 2 || host > 254) return false;
    if (this.used.get(owner) === host) return true;
    if (this.taken.has(host) || this.used.has(owner)) return false;
    this.taken.add(host);
    this.used.set(owner, host);
    return true;
  }

  release(owner: string): void {
    const host = this.used.get(owner);
    if (host === undefined) return;
    this.used.delete(owner);
    this.taken.delete(host);
  }

  get size(): number {
    return this.used.size;
  }
}
