import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../api/types.js';
import { startTestApi, type TestApi } from '../../client/testing.js';

const serviceAccounts = { apiVersion: 'v1', plural: 'serviceaccounts' };
const pods = { apiVersion: 'v1', plural: 'pods' };

interface Mount { name: string; mountPath: string; readOnly?: boolean }
interface PodView extends KubeObject {
  spec: {
    serviceAccountName?: string;
    volumes?: Array<{ name: string; projected?: unknown; emptyDir?: unknown }>;
    containers: Array<{ name: string; volumeMounts?: Mount[] }>;
    initContainers?: Array<{ name: string; volumeMounts?: Mount[] }>;
    imagePullSecrets?: Array<{ name: string }>;
  };
}

const tokenPath = '/var/run/secrets/kubernetes.io/serviceaccount';
const podOf = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({ metadata: { name }, spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec } });

describe('ServiceAccount admission', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ disableAdmissionPlugins: [] });
    for (const namespace of ['sa', 'empty']) await api.client.create({ apiVersion: 'v1', plural: 'namespaces' }, undefined, { metadata: { name: namespace } });
    await api.client.create(serviceAccounts, 'sa', { metadata: { name: 'default' } });
  });
  after(() => api.stop());

  it('runs a pod as `default` and mounts the kube-api-access volume read-only in every container', async () => {
    const created = await api.client.create<PodView>(pods, 'sa', podOf('plain', {
      initContainers: [{ name: 'init', image: 'busybox' }],
      containers: [{ name: 'app', image: 'busybox' }, { name: 'side', image: 'busybox' }],
    }) as PodView);
    assert.equal(created.spec.serviceAccountName, 'default');
    const volume = created.spec.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
    assert.match(volume?.name ?? '', /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(volume?.projected, {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
    for (const container of [...(created.spec.initContainers ?? []), ...created.spec.containers]) {
      assert.deepEqual(container.volumeMounts, [{ name: volume?.name, readOnly: true, mountPath: tokenPath }], container.name);
    }
  });

  it('mounts nothing when the pod or its account says automountServiceAccountToken: false (the pod wins)', async () => {
    const optedOut = await api.client.create<PodView>(pods, 'sa', podOf('no-token', { automountServiceAccountToken: false }) as PodView);
    assert.equal(optedOut.spec.volumes, undefined);
    assert.equal(optedOut.spec.containers[0].volumeMounts, undefined);
    await api.client.create(serviceAccounts, 'sa', { metadata: { name: 'quiet' }, automountServiceAccountToken: false } as KubeObject);
    const quiet = await api.client.create<PodView>(pods, 'sa', podOf('quiet', { serviceAccountName: 'quiet' }) as PodView);
    assert.equal(quiet.spec.volumes, undefined);
    const insists = await api.client.create<PodView>(pods, 'sa', podOf('insists', { serviceAccountName: 'quiet', automountServiceAccountToken: true }) as PodView);
    assert.equal(insists.spec.volumes?.length, 1);
  });

  it('leaves a container that mounts something of its own at the token path alone', async () => {
    const created = await api.client.create<PodView>(pods, 'sa', podOf('own-mount', {
      volumes: [{ name: 'mine', emptyDir: {} }],
      containers: [{ name: 'own', image: 'busybox', volumeMounts: [{ name: 'mine', mountPath: tokenPath }] }, { name: 'other', image: 'busybox' }],
    }) as PodView);
    assert.deepEqual(created.spec.containers[0].volumeMounts, [{ name: 'mine', mountPath: tokenPath }]);
    assert.equal(created.spec.containers[1].volumeMounts?.[0]?.mountPath, tokenPath);
    assert.equal(created.spec.volumes?.length, 2);
  });

  it("gives the pod its account's imagePullSecrets when it names none", async () => {
    await api.client.create(serviceAccounts, 'sa', { metadata: { name: 'puller' }, imagePullSecrets: [{ name: 'registry' }] } as KubeObject);
    const created = await api.client.create<PodView>(pods, 'sa', podOf('pulls', { serviceAccountName: 'puller' }) as PodView);
    assert.deepEqual(created.spec.imagePullSecrets, [{ name: 'registry' }]);
  });

  it('refuses a pod whose account does not exist, as kube-apiserver words it', async () => {
    const refused = await api.client.create(pods, 'sa', podOf('ghost', { serviceAccountName: 'ghost' })).then(() => undefined, (error: unknown) => error as { code: number; reason: string; message: string });
    assert.equal(refused?.code, 403);
    assert.equal(refused?.reason, 'Forbidden');
    assert.equal(refused?.message, 'pods "ghost" is forbidden: error looking up service account sa/ghost: serviceaccount "ghost" not found');
  });

  it('waits briefly for the `default` account the controller is about to create', async () => {
    const creating = api.client.create<PodView>(pods, 'empty', podOf('early') as PodView);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await api.client.create(serviceAccounts, 'empty', { metadata: { name: 'default' } });
    assert.equal((await creating).spec.serviceAccountName, 'default');
  });
});
