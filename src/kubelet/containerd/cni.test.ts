import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cniConflist, writeCniConfig } from './cni.js';

test('CNI conflist: bridge with host-local IPAM on the podCIDR, then portmap', () => {
  const list = cniConflist({ podCIDR: '10.42.0.0/24', ipamDataDir: '/d/ipam' });
  assert.deepEqual(list, {
    cniVersion: '1.0.0',
    name: 'litekube',
    plugins: [
      {
        type: 'bridge', bridge: 'litekube0', isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.42.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: '/d/ipam' },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  });
});

test('CNI conflist: bridge and network names are parameters; bad names and CIDRs are refused', () => {
  const list = cniConflist({ podCIDR: '10.42.250.0/24', bridge: 'litekube-test0', network: 'test', ipamDataDir: '/d' }) as {
    name: string; plugins: Array<{ bridge?: string }>;
  };
  assert.equal(list.name, 'test');
  assert.equal(list.plugins[0]?.bridge, 'litekube-test0');
  assert.throws(() => cniConflist({ podCIDR: '10.42.0.0/24', bridge: 'a-name-longer-than-15', ipamDataDir: '/d' }), /interface name/);
  assert.throws(() => cniConflist({ podCIDR: '10.42.0.0/24', bridge: 'bad/name', ipamDataDir: '/d' }), /interface name/);
  for (const bad of ['10.42.0.0', '10.42.0.300/24', '10.42.0.0/31', 'fd00::/64']) {
    assert.throws(() => cniConflist({ podCIDR: bad, ipamDataDir: '/d' }), /podCIDR/);
  }
});

test('CNI conflist: written as JSON into the conf dir', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'litekube-cni-'));
  try {
    const path = await writeCniConfig(join(dir, 'net.d'), { podCIDR: '10.42.1.0/24', ipamDataDir: join(dir, 'ipam') });
    assert.equal(path, join(dir, 'net.d', '10-litekube.conflist'));
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { plugins: Array<{ ipam?: { ranges: unknown } }> };
    assert.deepEqual(parsed.plugins[0]?.ipam?.ranges, [[{ subnet: '10.42.1.0/24' }]]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
