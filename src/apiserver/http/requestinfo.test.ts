import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from './requestinfo.js';
import { negotiate } from './negotiate.js';
import { StatusError } from '../errors.js';

describe('request info', () => {
  it('parses namespaced, cluster-scoped, subresource and watch paths like kube-apiserver', () => {
    assert.deepEqual(parseRequestInfo('GET', '/api/v1/namespaces/default/pods', false), { group: '', version: 'v1', resource: 'pods', namespace: 'default', name: undefined, subresource: undefined, verb: 'list', rest: [] });
    assert.equal(parseRequestInfo('GET', '/api/v1/namespaces/default/pods', true)?.verb, 'watch');
    assert.equal(parseRequestInfo('GET', '/api/v1/watch/namespaces/default/pods/x', false)?.verb, 'watch');
    const scale = parseRequestInfo('PATCH', '/apis/apps/v1/namespaces/ns/deployments/web/scale', false);
    assert.deepEqual([scale?.group, scale?.resource, scale?.name, scale?.subresource, scale?.verb], ['apps', 'deployments', 'web', 'scale', 'patch']);
    const namespace = parseRequestInfo('GET', '/api/v1/namespaces/foo', false);
    assert.deepEqual([namespace?.resource, namespace?.name, namespace?.namespace], ['namespaces', 'foo', undefined]);
    const finalize = parseRequestInfo('PUT', '/api/v1/namespaces/foo/finalize', false);
    assert.deepEqual([finalize?.resource, finalize?.name, finalize?.subresource], ['namespaces', 'foo', 'finalize']);
    assert.equal(parseRequestInfo('DELETE', '/api/v1/namespaces/default/pods', false)?.verb, 'deletecollection');
    assert.equal(parseRequestInfo('GET', '/api/v1/pods', false)?.namespace, undefined);
    assert.equal(parseRequestInfo('GET', '/api', false), undefined);
  });
  it('refuses unknown methods and broken escapes', () => {
    assert.throws(() => parseRequestInfo('OPTIONS', '/api/v1/pods', false), (e: unknown) => e instanceof StatusError && e.code === 405);
    assert.throws(() => parseRequestInfo('GET', '/api/v1/namespaces/%zz/pods', false), (e: unknown) => e instanceof StatusError && e.code === 400);
  });
});

describe('content negotiation', () => {
  it('picks a Table for kubectl get and plain JSON otherwise', () => {
    assert.equal(negotiate('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'), 'table');
    assert.equal(negotiate('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json'), 'partial');
    assert.equal(negotiate('application/json'), 'object');
    assert.equal(negotiate(undefined), 'object');
    assert.equal(negotiate('application/vnd.kubernetes.protobuf, */*'), 'object');
  });
  it('answers 406 when only protobuf is acceptable', () => {
    assert.throws(() => negotiate('application/vnd.kubernetes.protobuf'), (e: unknown) => e instanceof StatusError && e.code === 406);
  });
});
