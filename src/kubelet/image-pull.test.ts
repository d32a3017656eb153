// The kubelet's image pulls through the FakeRuntime: pull policies, and the credentials of the
// pod's imagePullSecrets reaching PullImage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { waitFor } from '../client/testing.js';
import { containerStatuses, pod, podsRef, startKubelet, statusOf, type Harness } from './test-helpers.js';

const secretsRef = { apiVersion: 'v1', plural: 'secrets' };
const eventsRef = { apiVersion: 'v1', plural: 'events' };
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const image = 'registry.example:5000/team/app:v1';

function registrySecret(name: string, username: string, password: string, registry = 'registry.example:5000'): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { [registry]: { username, password, auth: b64(`${username}:${password}`) } } })) },
  };
}

const waiting = (h: Harness, name: string, reason: string) => waitFor(reason, async () => {
  const cs = containerStatuses(await h.api.client.get(podsRef, 'default', name))[0];
  return cs?.state.waiting?.reason === reason ? cs.state.waiting as { reason: string; message: string } : undefined;
});

const eventMessages = async (h: Harness, name: string, reason: string): Promise<string[]> =>
  (await h.api.client.list(eventsRef, 'default')).items
    .filter((e) => e.reason === reason && (e.involvedObject as { name?: string }).name === name).map((e) => String(e.message));

test('imagePullSecrets: the matching secret\'s credentials reach PullImage; a missing secret is a warning and the pull still happens', async () => {
  const h = await startKubelet();
  try {
    h.runtime.privateImages.set(image, { username: 'puller', password: 's3cret' });
    await h.api.client.create(secretsRef, 'default', registrySecret('other-registry', 'nobody', 'x', 'quay.io'));
    await h.api.client.create(secretsRef, 'default', registrySecret('regcred', 'puller', 's3cret'));
    await h.api.client.create(podsRef, 'default', pod('private', {
      imagePullSecrets: [{ name: 'absent' }, { name: 'other-registry' }, { name: 'regcred' }],
      containers: [{ name: 'app', image, command: ['sleep', '60000'] }],
    }));
    await waitFor('running', async () => statusOf(await h.api.client.get(podsRef, 'default', 'private')).phase === 'Running');
    assert.deepEqual(h.runtime.pulls, [{ image, auth: { username: 'puller', password: 's3cret' } }]);
    const warnings = await waitFor('warning', async () => (await eventMessages(h, 'private', 'FailedToRetrieveImagePullSecret')).at(0));
    assert.equal(warnings, 'Unable to retrieve some image pull secrets (absent); attempting to pull the image may not succeed.');
  } finally {
    await h.stop();
  }
});

test('imagePullSecrets: each matching credential is tried in turn; none matching pulls anonymously and fails with ErrImagePull', async () => {
  const h = await startKubelet();
  try {
    h.runtime.privateImages.set(image, { username: 'puller', password: 's3cret' });
    await h.api.client.create(secretsRef, 'default', registrySecret('a-stale', 'puller', 'expired'));
    await h.api.client.create(secretsRef, 'default', registrySecret('b-fresh', 'puller', 's3cret'));
    await h.api.client.create(podsRef, 'default', pod('rotated', {
      imagePullSecrets: [{ name: 'a-stale' }, { name: 'b-fresh' }],
      containers: [{ name: 'app', image, command: ['sleep', '60000'] }],
    }));
    await waitFor('running', async () => statusOf(await h.api.client.get(podsRef, 'default', 'rotated')).phase === 'Running');
    assert.deepEqual(h.runtime.pulls.map((p) => p.auth?.password), ['expired', 's3cret']);

    const other = 'registry.example:5000/team/other:v1';
    h.runtime.privateImages.set(other, { username: 'puller', password: 's3cret' });
    await h.api.client.create(podsRef, 'default', pod('anonymous', { containers: [{ name: 'app', image: other, command: ['sleep', '60000'] }] }));
    const w = await waiting(h, 'anonymous', 'ErrImagePull');
    assert.match(w.message, /^Failed to pull image "registry\.example:5000\/team\/other:v1": .*authorization failed$/);
    assert.deepEqual(h.runtime.pulls.filter((p) => p.image === other)[0], { image: other, auth: undefined });
  } finally {
    await h.stop();
  }
});

test('imagePullPolicy Never with an absent image: ErrImageNeverPull with kubelet\'s message, and no pull', async () => {
  const h = await startKubelet();
  try {
    await h.api.client.create(podsRef, 'default', pod('never', { containers: [{ name: 'app', image: 'example.com/absent:1', imagePullPolicy: 'Never' }] }));
    const w = await waiting(h, 'never', 'ErrImageNeverPull');
    assert.equal(w.message, 'Container image "example.com/absent:1" is not present with pull policy of Never');
    assert.deepEqual(h.runtime.pulls, []);
  } finally {
    await h.stop();
  }
});
