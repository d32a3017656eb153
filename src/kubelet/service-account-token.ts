/**
 * The kubelet's token manager (pkg/kubelet/token) and the serviceAccountToken projected
 * source: tokens come from the TokenRequest API bound to the pod, are cached, and are
 * requested again once 80% of their lifetime has passed or they are 24 hours old, so the
 * file a container reads is always fresh. A failed refresh keeps serving the old token until
 * it expires.
 */
import type { KubeObject } from '../api/types.js';
import type { Client, TokenRequest } from '../client/types.js';
import type { PayloadFile } from './atomic-writer.js';
import type { ProjectionSource } from './pod-spec.js';
import { errorMessage } from './util.js';

/** Tokens older than this are refreshed whatever their lifetime (upstream's maxTTL). */
const maxTTLMs = 24 * 3600 * 1000;
/** Up to this much earlier, so many pods' tokens are not all refreshed at once (upstream's maxJitter). */
const maxJitterMs = 10_000;

export interface ServiceAccountTokenManagerOptions {
  client: Client;
  now?: () => Date;
  /** In [0, 1): the jitter's share. */
  random?: () => number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

interface Cached {
  request: TokenRequest;
  podUid?: string;
}

export class ServiceAccountTokenManager {
  private readonly cache = new Map<string, Cached>();
  private readonly now: () => Date;
  private readonly random: () => number;

  constructor(private readonly options: ServiceAccountTokenManagerOptions) {
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
  }

  /**
   * A token for the service account per `request` (audiences, expirationSeconds, bound object):
   * the cached one while it is fresh, else a new one from the API server.
   */
  async getServiceAccountToken(namespace: string, name: string, request: TokenRequest): Promise<TokenRequest> {
    const key = JSON.stringify([name, namespace, request.spec.audiences ?? [], request.spec.expirationSeconds ?? null, request.spec.boundObjectRef ?? null]);
    const cached = this.cache.get(key);
    if (cached && !this.requiresRefresh(cached.request)) return cached.request;
    let fresh: TokenRequest;
    try {
      fresh = await this.options.client.createToken(namespace, name, request);
    } catch (error: unknown) {
      if (!cached) throw new Error(`failed to fetch token: ${errorMessage(error)}`);
      if (this.expired(cached.request)) throw new Error(`token ${key} expired and refresh failed: ${errorMessage(error)}`);
      this.options.log?.("Couldn't update token", { cacheKey: key, error: errorMessage(error) });
      return cached.request;
    }
    this.cache.set(key, { request: fresh, podUid: request.spec.boundObjectRef?.kind === 'Pod' ? request.spec.boundObjectRef.uid : undefined });
    return fresh;
  }

  /** Forgets the tokens bound to a pod that is gone. */
  deleteServiceAccountToken(podUid: string): void {
    for (const [key, cached] of this.cache) if (cached.podUid === podUid) this.cache.delete(key);
  }

  /** Past 24 hours or within 20% of the lifetime of expiry, each less a random jitter of up to 10 s. */
  requiresRefresh(request: TokenRequest): boolean {
    const seconds = request.spec.expirationSeconds;
    const expires = Date.parse(request.status?.expirationTimestamp ?? '');
    if (seconds === undefined || Number.isNaN(expires)) return true;
    const now = this.now().getTime();
    const issued = expires - seconds * 1000;
    const jitter = Math.floor(this.random() * maxJitterMs / 1000) * 1000;
    if (now > issued + maxTTLMs - jitter) return true;
    return now > expires - Math.floor((seconds * 20) / 100) * 1000 - jitter;
  }

  private expired(request: TokenRequest): boolean {
    return this.now().getTime() > Date.parse(request.status?.expirationTimestamp ?? '');
  }
}

/**
 * The file of a serviceAccountToken projection: a token for the pod's service account, bound
 * to the pod, for the source's audience (the API server's when none is named).
 */
export async function serviceAccountTokenFile(
  pod: KubeObject,
  source: NonNullable<ProjectionSource['serviceAccountToken']>,
  mode: number,
  tokens: ServiceAccountTokenManager,
): Promise<PayloadFile> {
  const spec = (pod.spec ?? {}) as { serviceAccountName?: string };
  const request: TokenRequest = {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: {},
    spec: {
      audiences: source.audience ? [source.audience] : [],
      expirationSeconds: source.expirationSeconds ?? 3600,
      boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
    },
  };
  const answer = await tokens.getServiceAccountToken(pod.metadata.namespace ?? 'default', spec.serviceAccountName || 'default', request);
  return { data: Buffer.from(answer.status?.token ?? '', 'utf8'), mode };
}
