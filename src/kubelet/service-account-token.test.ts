import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { authenticateServiceAccountToken } from '../apiserver/serviceaccount/authenticator.js';
import type { Client, TokenRequest } from '../client/types.js';
import { waitFor } from '../client/testing.js';
import { podDir } from './sandbox-config.js';
import { ServiceAccountTokenManager } from './service-account-token.js';
import { pod, podsRef, startKubelet } from './test-helpers.js';

/** A client that answers createToken like the API server (expiry from `now`), or fails when told to. */
function tokenClient(now: () => Date) {
  const calls: TokenRequest[] = [];
  let failing = false;
  const client = {
    async createToken(_namespace: string, _name: string, request: TokenRequest): Promise<TokenRequest> {
      if (failing) throw new Error('connection refused');
      calls.push(request);
      const seconds = request.spec.expirationSeconds ?? 3600;
      return { ...request, spec: { ...request.spec, expirationSeconds: seconds }, status: { token: `token-${calls.length}`, expirationTimestamp: new Date(now().getTime() + seconds * 1000).toISOString() } };
    },
  } as unknown as Client;
  return { client, calls, fail: (value: boolean) => (failing = value) };
}

const request = (expirationSeconds: number, uid = 'pod-uid'): TokenRequest => ({
  apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {},
  spec: { audiences: [], expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid } },
});

describe('kubelet service account tokens', () => {
  it('serves the cached token until 80% of its lifetime has passed, then requests a new one', async () => {
    let now = new Date('2025-01-01T00:00:00Z');
    const api = tokenClient(() => now);
    // No jitter: the refresh point is exact.
    const manager = new ServiceAccountTokenManager({ client: api.client, now: () => now, random: () => 0 });
    assert.equal((await manager.getServiceAccountToken('ns', 'sa', request(3600))).status?.token, 'token-1');
    now = new Date('2025-01-01T00:47:59Z');
    assert.equal((await manager.getServiceAccountToken('ns', 'sa', request(3600))).status?.token, 'token-1');
    now = new Date('2025-01-01T00:48:01Z');
    assert.equal((await manager.getServiceAccountToken('ns', 'sa', request(3600))).status?.token, 'token-2');
    assert.equal(api.calls.length, 2);
  });

  it('refreshes a long-lived token after 24 hours, and keeps a token per pod', async () => {
    let now = new Date('2025-01-01T00:00:00Z');
    const api = tokenClient(() => now);
    const manager = new ServiceAccountTokenManager({ client: api.client, now: () => now, random: () => 0 });
    await manager.getServiceAccountToken('ns', 'sa', request(7 * 24 * 3600));
    assert.equal((await manager.getServiceAccountToken('ns', 'sa', request(7 * 24 * 3600, 'other-pod'))).status?.token, 'token-2');
    now = new Date('2025-01-02T00:00:01Z');
    assert.equal((await manager.getServiceAccountToken('ns', 'sa', request(7 * 24 * 3600))).status?.token, 'token-3');
  });

  it('keeps serving the old token while a refresh fails, until it expires', async () => {
    let now = new Date('2025-01-01T00:00:00Z');
    const api = tokenClient(() => now);
    const manager = new ServiceAccountTokenManager({ client: api.client, now: () => now, random: () => 0 });
    await manager.getServiceAccountToken('ns', 'sa', request(3600));
    api.fail(true);
    now = new Date('2025-01-01T00:59:00Z');
    assert.equal((await manager.getServiceAccountToken('ns', 'sa', request(3600))).status?.token, 'token-1');
    now = new Date('2025-01-01T01:00:01Z');
    await assert.rejects(manager.getServiceAccountToken('ns', 'sa', request(3600)), /expired and refresh failed: connection refused/);
    manager.deleteServiceAccountToken('pod-uid');
    await assert.rejects(manager.getServiceAccountToken('ns', 'sa', request(3600)), /^Error: failed to fetch token: connection refused$/);
  });

  it('writes a pod-bound token into a projected volume, which authenticates as the pod\'s account', async () => {
    const harness = await startKubelet();
    try {
      const { api } = harness;
      await api.client.create({ apiVersion: 'v1', plural: 'serviceaccounts' }, 'default', { metadata: { name: 'robot' } });
      const created = await api.client.create(podsRef, 'default', pod('reader', {
        serviceAccountName: 'robot',
        containers: [{ name: 'c', image: 'busybox:1.36', volumeMounts: [{ name: 'token', mountPath: '/var/run/token' }] }],
        volumes: [{ name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'jwt', audience: 'vault', expirationSeconds: 1200 } }] } }],
      }));
      const file = join(podDir(harness.dataDir, created.metadata.uid ?? ''), 'volumes', 'kubernetes.io~projected', 'token', 'jwt');
      const token = await waitFor('token file', () => readFile(file, 'utf8'));
      const claims = decodeJwt(token);
      assert.deepEqual(claims.aud, ['vault']);
      assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 1200);
      assert.deepEqual((claims['kubernetes.io'] as { pod?: unknown }).pod, { name: 'reader', uid: created.metadata.uid });
      // For the API server's own audience (none named), the token is the account's identity there.
      const server = api.plane.server;
      await api.client.create(podsRef, 'default', pod('api-reader', {
        serviceAccountName: 'robot',
        containers: [{ name: 'c', image: 'busybox:1.36' }],
        volumes: [{ name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }],
      }));
      const second = await api.client.get(podsRef, 'default', 'api-reader');
      const apiToken = await waitFor('API token file', () => readFile(join(podDir(harness.dataDir, second.metadata.uid ?? ''), 'volumes', 'kubernetes.io~projected', 'token', 'token'), 'utf8'));
      assert.equal((await authenticateServiceAccountToken(server.registry, server.tokens, apiToken))?.name, 'system:serviceaccount:default:robot');
    } finally {
      await harness.stop();
    }
  });
});
