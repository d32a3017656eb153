import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { startTestApi, waitFor, type TestApi } from '../client/testing.js';
import { isNotFound } from '../client/errors.js';
import { RootCACertPublisher } from './root-ca-publisher.js';
import { ServiceAccountsController } from './serviceaccount.js';

const namespaces = { apiVersion: 'v1', plural: 'namespaces' };
const serviceAccounts = { apiVersion: 'v1', plural: 'serviceaccounts' };
const configMaps = { apiVersion: 'v1', plural: 'configmaps' };
const rootCA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const exists = (api: TestApi, ref: typeof serviceAccounts, namespace: string, name: string) => async (): Promise<KubeObject | undefined> =>
  api.client.get(ref, namespace, name).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });

describe('service account controller and root CA publisher', () => {
  let api: TestApi;
  const stop = new AbortController();
  let running: Array<Promise<void>>;
  before(async () => {
    api = await startTestApi();
    const client = api.clientAs('system:kube-controller-manager');
    running = [
      new ServiceAccountsController({ client }).run(stop.signal),
      new RootCACertPublisher({ client, rootCA }).run(stop.signal),
    ];
  });
  after(async () => {
    stop.abort();
    await Promise.all(running);
    await api.stop();
  });

  it('gives every namespace, old and new, a default ServiceAccount and the kube-root-ca.crt ConfigMap', async () => {
    for (const namespace of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      await waitFor(`default account in ${namespace}`, exists(api, serviceAccounts, namespace, 'default'));
    }
    await api.client.create(namespaces, undefined, { metadata: { name: 'fresh' } });
    const account = await waitFor('default account in fresh', exists(api, serviceAccounts, 'fresh', 'default'));
    assert.equal(account.metadata.name, 'default');
    const configMap = await waitFor('root CA in fresh', exists(api, configMaps, 'fresh', 'kube-root-ca.crt'));
    assert.deepEqual(configMap.data, { 'ca.crt': rootCA });
    assert.match(configMap.metadata.annotations?.['kubernetes.io/description'] ?? '', /^Contains a CA bundle that can be used to verify the kube-apiserver/);
  });

  it('recreates the default account and the CA ConfigMap when deleted, and puts back changed CA data', async () => {
    const before = await waitFor('default account', exists(api, serviceAccounts, 'default', 'default'));
    await api.client.delete(serviceAccounts, 'default', 'default');
    const again = await waitFor('recreated account', async () => {
      const account = await exists(api, serviceAccounts, 'default', 'default')();
      return account && account.metadata.uid !== before.metadata.uid ? account : undefined;
    });
    assert.notEqual(again.metadata.uid, before.metadata.uid);

    await waitFor('root CA', exists(api, configMaps, 'default', 'kube-root-ca.crt'));
    await api.client.delete(configMaps, 'default', 'kube-root-ca.crt');
    await waitFor('recreated root CA', exists(api, configMaps, 'default', 'kube-root-ca.crt'));
    await api.client.patch(configMaps, 'default', 'kube-root-ca.crt', 'merge', { data: { 'ca.crt': 'tampered', extra: 'x' } });
    await waitFor('restored root CA', async () => {
      const configMap = await exists(api, configMaps, 'default', 'kube-root-ca.crt')();
      return JSON.stringify(configMap?.data) === JSON.stringify({ 'ca.crt': rootCA });
    });
  });

  it('adds nothing to a namespace being deleted', async () => {
    await api.client.create(namespaces, undefined, { metadata: { name: 'leaving' } });
    await waitFor('default account in leaving', exists(api, serviceAccounts, 'leaving', 'default'));
    await api.client.delete(namespaces, undefined, 'leaving');
    // No namespace controller runs here: the namespace stays Terminating with its content.
    assert.ok((await api.client.get(namespaces, undefined, 'leaving')).metadata.deletionTimestamp);
    await api.client.delete(serviceAccounts, 'leaving', 'default');
    // One worker takes namespaces in order: once a later namespace has its account, `leaving` was looked at.
    await api.client.create(namespaces, undefined, { metadata: { name: 'later' } });
    await waitFor('default account in later', exists(api, serviceAccounts, 'later', 'default'));
    assert.equal(await exists(api, serviceAccounts, 'leaving', 'default')(), undefined);
  });
});
