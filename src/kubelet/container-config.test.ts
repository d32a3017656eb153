import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { containerConfig, linuxResources, oomScoreAdjust } from './container-config.js';
import type { ContainerSpec } from './pod-spec.js';

const gi = 2 ** 30;
const podWith = (...containers: ContainerSpec[]): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers } });

test('resources: cpu request → shares, cpu limit → quota over a 100 ms period, memory limit → limit and memory+swap', () => {
  const c: ContainerSpec = { name: 'a', image: 'i', resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '1500m', memory: '128Mi' } } };
  assert.deepEqual(linuxResources(c, true), { cpuShares: 256, cpuPeriod: 100_000, cpuQuota: 150_000, memoryLimitInBytes: 128 * 2 ** 20, memorySwapLimitInBytes: 128 * 2 ** 20 });
  assert.deepEqual(linuxResources(c, false).memorySwapLimitInBytes, undefined, 'no memsw on this host');
  assert.deepEqual(linuxResources({ name: 'b', image: 'i' }, true), { cpuShares: 2 }, 'BestEffort: minimum shares, no limits');
  assert.equal(linuxResources({ name: 'c', image: 'i', resources: { limits: { cpu: '1m' } } }).cpuQuota, 1000, 'the kernel minimum quota');
});

test('OOM score adjustment by QoS class, as kubelet\'s qos policy', () => {
  const guaranteed: ContainerSpec = { name: 'g', image: 'i', resources: { limits: { cpu: '1', memory: '1Gi' } } };
  assert.equal(oomScoreAdjust(podWith(guaranteed), guaranteed, 8 * gi), -997);
  const none: ContainerSpec = { name: 'b', image: 'i' };
  assert.equal(oomScoreAdjust(podWith(none), none, 8 * gi), 1000);
  const half: ContainerSpec = { name: 'h', image: 'i', resources: { requests: { memory: '4Gi' } } };
  assert.equal(oomScoreAdjust(podWith(half), half, 8 * gi), 500);
  const tiny: ContainerSpec = { name: 't', image: 'i', resources: { requests: { cpu: '10m' } } };
  assert.equal(oomScoreAdjust(podWith(tiny), tiny, 8 * gi), 999, 'a Burstable container ranks just below BestEffort');
  const huge: ContainerSpec = { name: 'x', image: 'i', resources: { requests: { memory: '16Gi' } } };
  assert.equal(oomScoreAdjust(podWith(huge), huge, 8 * gi), 3, 'and never as low as Guaranteed');
});

test('the config carries the termination-message annotations and mounts its file', async () => {
  const c: ContainerSpec = { name: 'a', image: 'i', terminationMessagePath: '/tmp/msg', terminationMessagePolicy: 'FallbackToLogsOnError', resources: { limits: { memory: '16Mi' } } };
  const config = await containerConfig({ pod: podWith(c), container: c, kind: 'app', restartCount: 2, envs: [], volumes: new Map(), terminationMessageFile: '/data/pods/u1/containers/a/0f0f0f0f', memoryCapacity: 8 * gi, swapLimit: false });
  assert.equal(config.annotations?.['io.kubernetes.container.terminationMessagePath'], '/tmp/msg');
  assert.equal(config.annotations?.['io.kubernetes.container.terminationMessagePolicy'], 'FallbackToLogsOnError');
  assert.deepEqual(config.mounts, [{ containerPath: '/tmp/msg', hostPath: '/data/pods/u1/containers/a/0f0f0f0f', readonly: false }]);
  assert.equal(config.linux?.resources?.memoryLimitInBytes, 16 * 2 ** 20);
  assert.equal(config.linux?.resources?.oomScoreAdj, 999);
  assert.equal(config.logPath, 'a/2.log');
});
