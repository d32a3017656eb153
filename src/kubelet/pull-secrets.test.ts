import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { dockerKeyring, lookupCredentials, PullSecretError, repositoryOf } from './pull-secrets.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const configJson = (name: string, auths: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) },
});

test('pull secrets: image names normalized as Docker does, without tag or digest', () => {
  assert.equal(repositoryOf('busybox'), 'docker.io/library/busybox');
  assert.equal(repositoryOf('team/app:1'), 'docker.io/team/app');
  assert.equal(repositoryOf('index.docker.io/team/app'), 'docker.io/team/app');
  assert.equal(repositoryOf('registry.example:5000/team/app:v2'), 'registry.example:5000/team/app');
  assert.equal(repositoryOf('localhost/app@sha256:ab'), 'localhost/app');
});

test('pull secrets: matched by registry host as kubelet\'s keyring does (port, globs, paths, most specific first, Docker Hub)', () => {
  const keyring = dockerKeyring([
    configJson('a', {
      'registry.example:5000': { auth: b64('port-user:port-pass') },
      'https://index.docker.io/v1/': { username: 'hub', password: 'hub-pass' },
      '*.example.com': { username: 'glob', password: 'g' },
      'quay.io': { username: 'quay', password: 'q' },
      'quay.io/team': { username: 'team', password: 't' },
    }),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'legacy' }, type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify({ 'legacy.example': { auth: b64('old:pw') } })) } },
    // Not a registry secret: ignored.
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opaque' }, type: 'Opaque', data: { '.dockerconfigjson': b64('{"auths":{"quay.io":{"username":"no"}}}') } },
  ]);
  const users = (image: string): string[] => lookupCredentials(keyring, image).map((a) => a.username ?? '');
  assert.deepEqual(users('registry.example:5000/app:v1'), ['port-user']);
  assert.deepEqual(lookupCredentials(keyring, 'registry.example:5000/app')[0], { username: 'port-user', password: 'port-pass' });
  assert.deepEqual(users('registry.example/app'), [], 'the port must match');
  assert.deepEqual(users('busybox:1.36'), ['hub']);
  assert.deepEqual(users('docker.io/team/app'), ['hub']);
  assert.deepEqual(users('eu.example.com/app'), ['glob']);
  assert.deepEqual(users('a.eu.example.com/app'), [], 'a glob stands for one part of the name');
  assert.deepEqual(users('quay.io/team/app'), ['team', 'quay']);
  assert.deepEqual(users('quay.io/other/app'), ['quay']);
  assert.deepEqual(users('legacy.example/app'), ['old']);
  assert.deepEqual(users('elsewhere.example/app'), []);
});

test('pull secrets: an unusable secret is an error naming the problem', () => {
  assert.throws(() => dockerKeyring([configJson('bad', { 'r.example': { auth: b64('no-colon') } })]),
    (e: Error) => e instanceof PullSecretError && /must be formatted as base64\(username:password\)/.test(e.message));
  assert.throws(() => dockerKeyring([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'broken' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{') } }]),
    (e: Error) => e instanceof PullSecretError && /^secret "broken": /.test(e.message));
});
