import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { serviceAccountKeyFile } from '../pki/service-account-key.js';
import { defaultIssuer, ServiceAccountTokens, tokenClaims, TokenInvalid } from './jwt.js';

const issuedAt = new Date('2025-01-10T12:00:00Z');
const later = (seconds: number): Date => new Date(issuedAt.getTime() + seconds * 1000);

function claims(tokens: ServiceAccountTokens, overrides: Partial<Parameters<typeof tokenClaims>[0]> = {}) {
  return tokenClaims({
    issuer: tokens.issuer, audiences: tokens.audiences, now: issuedAt, expirationSeconds: 3600, namespace: 'team',
    serviceAccount: { name: 'robot', uid: 'sa-uid' }, pod: { name: 'web', uid: 'pod-uid' }, ...overrides,
  });
}

describe('service account JWTs', () => {
  let dir: string;
  let tokens: ServiceAccountTokens;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'litekube-jwt-'));
    tokens = new ServiceAccountTokens();
    await tokens.load(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('carries upstream claims and an ES256 header with the key id', async () => {
    const token = await tokens.sign(claims(tokens, { warnAfterSeconds: 3607 }));
    const header = decodeProtectedHeader(token);
    assert.equal(header.alg, 'ES256');
    assert.match(String(header.kid), /^[A-Za-z0-9_-]{43}$/);
    const payload = decodeJwt(token);
    assert.equal(payload.iss, defaultIssuer);
    assert.equal(payload.sub, 'system:serviceaccount:team:robot');
    assert.deepEqual(payload.aud, ['https://kubernetes.default.svc.cluster.local']);
    assert.equal(payload.iat, issuedAt.getTime() / 1000);
    assert.equal(payload.nbf, payload.iat);
    assert.equal(payload.exp, (payload.iat ?? 0) + 3600);
    assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
    assert.deepEqual(payload['kubernetes.io'], {
      namespace: 'team', serviceaccount: { name: 'robot', uid: 'sa-uid' }, pod: { name: 'web', uid: 'pod-uid' }, warnafter: (payload.iat ?? 0) + 3607,
    });
  });

  it('verifies its own tokens within their time window, with a minute of leeway', async () => {
    const token = await tokens.sign(claims(tokens));
    assert.equal((await tokens.verify(token, later(10)))?.sub, 'system:serviceaccount:team:robot');
    assert.ok(await tokens.verify(token, later(3600 + 59)));
    await assert.rejects(tokens.verify(token, later(3600 + 61)), new TokenInvalid('service account token has expired'));
    await assert.rejects(tokens.verify(token, later(-61)), new TokenInvalid('service account token is not valid yet'));
  });

  it('refuses a token whose payload was changed, and one for another audience', async () => {
    const token = await tokens.sign(claims(tokens));
    const [header, payload, signature] = token.split('.');
    const forged = JSON.parse(Buffer.from(payload, 'base64url').toString());
    forged.sub = 'system:serviceaccount:kube-system:admin';
    await assert.rejects(tokens.verify(`${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`, later(1)), TokenInvalid);
    const elsewhere = await tokens.sign(claims(tokens, { audiences: ['vault'] }));
    await assert.rejects(tokens.verify(elsewhere, later(1)), /token audiences \["vault"\] is invalid/);
  });

  it('leaves tokens that are not its own (other issuer, not a JWT) to other authenticators', async () => {
    const foreign = await tokens.sign(claims(tokens, { issuer: 'https://accounts.example.com' }));
    assert.equal(await tokens.verify(foreign, later(1)), undefined);
    assert.equal(await tokens.verify('garbage', later(1)), undefined);
  });

  it('keeps its key in tls/ (0600) across restarts; another cluster cannot forge its tokens', async () => {
    assert.equal((await stat(serviceAccountKeyFile(dir))).mode & 0o777, 0o600);
    const token = await tokens.sign(claims(tokens));
    const restarted = new ServiceAccountTokens();
    await restarted.load(dir);
    assert.ok(await restarted.verify(token, later(1)));
    const otherDir = await mkdtemp(join(tmpdir(), 'litekube-jwt-'));
    try {
      const other = new ServiceAccountTokens();
      await other.load(otherDir);
      await assert.rejects(tokens.verify(await other.sign(claims(other)), later(1)), /signature could not be verified/);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });
});
