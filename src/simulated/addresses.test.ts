import { test } from 'node:test';
import assert from 'node:assert/strict';
import { internalIpFor, podCidrFor, PodIpPool } from './addresses.js';

test('each node gets its own /24 and InternalIP', () => {
  assert.equal(podCidrFor(1), '10.42.1.0/24');
  assert.equal(podCidrFor(255), '10.42.255.0/24');
  assert.equal(podCidrFor(256), '10.43.0.0/24');
  assert.equal(internalIpFor(1), '10.44.0.2');
  assert.notEqual(internalIpFor(255), internalIpFor(256));
});

test('pod IPs start at .2, are unique, and are reused once freed', () => {
  const pool = new PodIpPool('10.42.3.0/24');
  assert.equal(pool.allocate('a'), '10.42.3.2');
  assert.equal(pool.allocate('b'), '10.42.3.3');
  assert.equal(pool.allocate('a'), '10.42.3.2');
  pool.release('a');
  assert.equal(pool.allocate('c'), '10.42.3.2');
  assert.equal(pool.reserve('d', '10.42.3.3'), false);
  assert.equal(pool.reserve('d', '10.42.3.9'), true);
  assert.equal(pool.reserve('e', '10.42.4.9'), false);
  for (let i = 0; i < 250; i++) pool.allocate(`x${i}`);
  assert.throws(() => pool.allocate('overflow'), /no pod IPs left/);
});
