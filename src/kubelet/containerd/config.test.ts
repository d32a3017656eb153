import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerdConfig, containerdPaths } from './config.js';

test('containerd config: every path under the given dir, CRI settings these machines need', () => {
  const text = containerdConfig({ dir: '/var/lib/litekube/containerd' });
  const p = containerdPaths('/var/lib/litekube/containerd');
  assert.match(text, /^version = 2$/m);
  assert.ok(text.includes(`root = "${p.root}"`));
  assert.ok(text.includes(`state = "${p.state}"`));
  assert.ok(text.includes(`[grpc]\n  address = "${p.socket}"`));
  assert.ok(text.includes(`[ttrpc]\n  address = "${p.socket}.ttrpc"`));
  assert.match(text, /sandbox_image = "litekube\.local\/pause:3\.10"/);
  assert.match(text, /restrict_oom_score_adj = true/);
  assert.match(text, /netns_mounts_under_state_dir = true/);
  assert.match(text, /SystemdCgroup = false/);
  assert.match(text, /bin_dir = "\/usr\/lib\/cni"/);
  assert.ok(text.includes(`conf_dir = "${p.cniConfDir}"`));
  assert.doesNotMatch(text, /registry/);
  // No absolute path outside the dir but the CNI binaries.
  const outside = [...text.matchAll(/"(\/[^"]*)"/g)].map((m) => m[1]).filter((s) => !s.startsWith('/var/lib/litekube/containerd/'));
  assert.deepEqual(outside, ['/usr/lib/cni']);
});

test('containerd config: registry config_path and credentials, snapshotter and sandbox image are options; strings are quoted', () => {
  const text = containerdConfig({
    dir: '/d "x"', snapshotter: 'native', sandboxImage: 'example.com/pause:1',
    registry: { configPath: '/d/certs.d', auths: { 'mirror.example:5000': { username: 'u', password: 'p"w' } } },
  });
  assert.match(text, /root = "\/d \\"x\\"\/root"/);
  assert.match(text, /snapshotter = "native"/);
  assert.match(text, /sandbox_image = "example.com\/pause:1"/);
  assert.ok(text.includes('[plugins."io.containerd.grpc.v1.cri".registry]\n      config_path = "/d/certs.d"\n'));
  assert.ok(text.includes('[plugins."io.containerd.grpc.v1.cri".registry.configs."mirror.example:5000".auth]\n        username = "u"\n        password = "p\\"w"\n'));
  assert.doesNotMatch(text, /mirrors|tls/, 'config_path rules out the deprecated mirrors and configs.tls');
});

test('containerd config: containerd itself parses it', {
  skip: spawnSync('containerd', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'containerd is not installed',
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'litekube-config-'));
  try {
    const file = join(dir, 'config.toml');
    await writeFile(file, containerdConfig({ dir: join(dir, 'c'), registry: { configPath: join(dir, 'certs.d'), auths: { 'm.example': { username: 'u', password: 'p' } } } }));
    // `config dump` loads and merges the file without starting anything.
    const out = spawnSync('containerd', ['--config', file, 'config', 'dump'], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /restrict_oom_score_adj = true/);
    assert.match(out.stdout, /sandbox_image = "litekube\.local\/pause:3\.10"/);
    assert.ok(out.stdout.includes(`Root = "${join(dir, 'c', 'state', 'runc')}"`));
    assert.ok(out.stdout.includes(`config_path = "${join(dir, 'certs.d')}"`));
    assert.match(out.stdout, /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\.configs\."m\.example"\.auth\]\n\s+auth = ""\n\s+identitytoken = ""\n\s+password = "p"\n\s+username = "u"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
