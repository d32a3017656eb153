import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import type { KubeObject } from '../../api/types.js';
import { startTestApi, type TestApi } from '../../client/testing.js';
import type { TokenRequest } from '../../client/types.js';
import { authenticateServiceAccountToken } from './authenticator.js';

const serviceAccounts = { apiVersion: 'v1', plural: 'serviceaccounts' };
const pods = { apiVersion: 'v1', plural: 'pods' };
const secrets = { apiVersion: 'v1', plural: 'secrets' };

const request = (spec: TokenRequest['spec'] = {}): TokenRequest => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec });
const refusal = async (promise: Promise<unknown>): Promise<{ code: number; reason: string; message: string }> => {
  try {
    await promise;
  } catch (error: unknown) {
    return error as { code: number; reason: string; message: string };
  }
  throw new Error('expected a refusal');
};

describe('TokenRequest and bearer authentication', () => {
  let api: TestApi;
  let now = new Date('2025-03-01T08:00:00Z');
  let robot: KubeObject;
  let web: KubeObject;
  const authenticate = (token: string) => authenticateServiceAccountToken(api.plane.server.registry, api.plane.server.tokens, token);

  before(async () => {
    api = await startTestApi({ now: () => now });
    await api.client.create({ apiVersion: 'v1', plural: 'namespaces' }, undefined, { metadata: { name: 'team' } });
    robot = await api.client.create(serviceAccounts, 'team', { metadata: { name: 'robot' } });
    web = await api.client.create(pods, 'team', { metadata: { name: 'web' }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'busybox' }] } });
  });
  after(() => api.stop());

  it('issues a token for the API server audience lasting an hour by default', async () => {
    const answer = await api.client.createToken('team', 'robot', request());
    assert.equal(answer.kind, 'TokenRequest');
    assert.deepEqual(answer.metadata, { name: 'robot', namespace: 'team', creationTimestamp: '2025-03-01T08:00:00Z' });
    assert.deepEqual(answer.spec, { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600, boundObjectRef: null });
    assert.equal(answer.status?.expirationTimestamp, '2025-03-01T09:00:00Z');
    const claims = decodeJwt(answer.status?.token ?? '');
    assert.equal(claims.exp, Date.parse('2025-03-01T09:00:00Z') / 1000);
    assert.deepEqual(claims['kubernetes.io'], { namespace: 'team', serviceaccount: { name: 'robot', uid: robot.metadata.uid } });
    assert.deepEqual(await authenticate(answer.status?.token ?? ''), {
      name: 'system:serviceaccount:team:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'],
    });
  });

  it('binds a token to a pod; the default volume\'s 3607 s pod tokens stay valid a year and warn after the hour', async () => {
    const bound = { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: web.metadata.uid };
    const answer = await api.client.createToken('team', 'robot', request({ expirationSeconds: 3607, boundObjectRef: bound }));
    assert.equal(answer.status?.expirationTimestamp, '2025-03-01T09:00:07Z');
    const claims = decodeJwt(answer.status?.token ?? '');
    const iat = Date.parse('2025-03-01T08:00:00Z') / 1000;
    assert.equal(claims.exp, iat + 365 * 24 * 3600);
    assert.deepEqual(claims['kubernetes.io'], {
      namespace: 'team', serviceaccount: { name: 'robot', uid: robot.metadata.uid }, pod: { name: 'web', uid: web.metadata.uid }, warnafter: iat + 3607,
    });
    const custom = decodeJwt((await api.client.createToken('team', 'robot', request({ audiences: ['vault'], expirationSeconds: 3607, boundObjectRef: bound }))).status?.token ?? '');
    assert.equal(custom.exp, iat + 3607, 'only tokens for the API server are extended');
  });

  it('refuses what kube-apiserver refuses, in its words', async () => {
    const short = await refusal(api.client.createToken('team', 'robot', request({ expirationSeconds: 599 })));
    assert.equal(short.code, 422);
    assert.equal(short.message, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes');
    const missing = await refusal(api.client.createToken('team', 'nobody', request()));
    assert.equal(missing.code, 404);
    assert.equal(missing.message, 'serviceaccounts "nobody" not found');
    await api.client.create(serviceAccounts, 'team', { metadata: { name: 'other' } });
    const wrongPod = await refusal(api.client.createToken('team', 'other', request({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web' } })));
    assert.equal(wrongPod.code, 400);
    assert.equal(wrongPod.message, 'cannot bind token for serviceaccount "other" to pod running with different serviceaccount name.');
    const staleUid = await refusal(api.client.createToken('team', 'robot', request({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'old' } })));
    assert.equal(staleUid.code, 409);
    assert.match(staleUid.message, /^Operation cannot be fulfilled on Pod "web": the UID in the bound object reference \(old\) does not match the UID in record/);
    const unsupported = await refusal(api.client.createToken('team', 'robot', request({ boundObjectRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' } })));
    assert.equal(unsupported.message, 'cannot bind token to object of type apps/v1, Kind=Deployment');
  });

  it('stops authenticating once the bound pod or secret, or the account itself, is gone or replaced', async () => {
    const doomed = await api.client.create<KubeObject>(pods, 'team', { metadata: { name: 'doomed' }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'busybox' }] } });
    const podToken = (await api.client.createToken('team', 'robot', request({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'doomed', uid: doomed.metadata.uid } }))).status?.token ?? '';
    assert.ok(await authenticate(podToken));
    await api.client.delete(pods, 'team', 'doomed', { gracePeriodSeconds: 0 });
    await assert.rejects(authenticate(podToken), /pods "doomed" not found/);

    await api.client.create(secrets, 'team', { metadata: { name: 'key' } });
    const secretToken = (await api.client.createToken('team', 'robot', request({ boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: 'key' } }))).status?.token ?? '';
    assert.ok(await authenticate(secretToken));
    await api.client.delete(secrets, 'team', 'key');
    await api.client.create(secrets, 'team', { metadata: { name: 'key' } });
    await assert.rejects(authenticate(secretToken), /secret UID \(.+\) does not match claim/);

    const plain = (await api.client.createToken('team', 'robot', request())).status?.token ?? '';
    await api.client.delete(serviceAccounts, 'team', 'robot');
    await api.client.create(serviceAccounts, 'team', { metadata: { name: 'robot' } });
    await assert.rejects(authenticate(plain), /service account UID \(.+\) does not match claim/);
  });

  it('stops authenticating a token past its expiry', async () => {
    const token = (await api.client.createToken('team', 'other', request({ expirationSeconds: 600 }))).status?.token ?? '';
    assert.ok(await authenticate(token));
    now = new Date(now.getTime() + 661_000);
    await assert.rejects(authenticate(token), /service account token has expired/);
  });
});
