import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tmpdir } from 'node:os';
import { sampleMachine, type MachineSample } from './machine.js';
import { nodeStatus, type NodeFacts } from './node-status.js';

const facts: NodeFacts = { name: 'n1', podCIDR: '10.42.0.0/24', nodeIP: '192.168.1.10', capacity: { cpu: '2', memory: '4Gi', pods: '110' }, containerRuntimeVersion: 'containerd://1.6.20' };
const gi = 2 ** 30;
const machine = (over: Partial<MachineSample> = {}): MachineSample => ({
  memoryTotalBytes: 4 * gi, memoryAvailableBytes: 2 * gi, filesystemBytes: 100 * gi, filesystemAvailableBytes: 50 * gi,
  machineID: 'abc', systemUUID: 'uuid', bootID: 'boot', osImage: 'Debian GNU/Linux 12 (bookworm)', ...over,
});
type Condition = { type: string; status: string; reason: string };
const conditions = (status: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries((status.conditions as Condition[]).map((c) => [c.type, `${c.status} ${c.reason}`]));

test('capacity comes from the machine; allocatable keeps back the hard eviction thresholds', () => {
  const status = nodeStatus(facts, new Date(), [], machine()) as { capacity: Record<string, string>; allocatable: Record<string, string>; nodeInfo: Record<string, string> };
  assert.equal(status.capacity.memory, '4194304Ki');
  assert.equal(status.allocatable.memory, `${4194304 - 102400}Ki`);
  assert.equal(status.capacity['ephemeral-storage'], '104857600Ki');
  assert.equal(status.allocatable['ephemeral-storage'], String(Math.floor(100 * gi * 0.9)));
  assert.deepEqual([status.nodeInfo.machineID, status.nodeInfo.bootID, status.nodeInfo.osImage], ['abc', 'boot', 'Debian GNU/Linux 12 (bookworm)']);
});

test('MemoryPressure below 100Mi available, DiskPressure below 10% free, with kubelet reasons', () => {
  assert.deepEqual(conditions(nodeStatus(facts, new Date(), [], machine())), {
    MemoryPressure: 'False KubeletHasSufficientMemory', DiskPressure: 'False KubeletHasNoDiskPressure', PIDPressure: 'False KubeletHasSufficientPID', Ready: 'True KubeletReady',
  });
  const pressed = nodeStatus(facts, new Date(), [], machine({ memoryAvailableBytes: 50 * 2 ** 20, filesystemAvailableBytes: 5 * gi }));
  assert.deepEqual(conditions(pressed), {
    MemoryPressure: 'True KubeletHasInsufficientMemory', DiskPressure: 'True KubeletHasDiskPressure', PIDPressure: 'False KubeletHasSufficientPID', Ready: 'True KubeletReady',
  });
});

test('the machine sample reads this machine', () => {
  const sample = sampleMachine(tmpdir());
  assert.ok(sample.memoryTotalBytes > 0 && sample.memoryAvailableBytes > 0 && sample.memoryAvailableBytes <= sample.memoryTotalBytes);
  assert.ok(sample.filesystemBytes > 0 && sample.filesystemAvailableBytes <= sample.filesystemBytes);
  assert.match(sample.bootID, /^[0-9a-f-]{36}$/);
});
