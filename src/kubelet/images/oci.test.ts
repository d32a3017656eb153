import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { buildImage, ociArchitecture } from './oci.js';
import { buildPauseImage, pauseReference } from './pause.js';
import { readTar, type ReadEntry } from './tar-reader.test-helper.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Descriptor { mediaType: string; digest: string; size: number; annotations?: Record<string, string>; platform?: object }

function open(archive: Buffer) {
  const files = new Map<string, ReadEntry>(readTar(archive).map((e) => [e.path, e]));
  const blob = (d: string) => {
    const e = files.get(`blobs/sha256/${d.slice(7)}`);
    assert.ok(e, `blob ${d} present`);
    assert.equal(sha(e.data), d, 'blob content matches its name');
    return e.data;
  };
  return { files, blob };
}

const image = () => buildImage({
  reference: 'litekube.local/test:1',
  entrypoint: ['/bin/tool'],
  cmd: ['--flag'],
  files: [{ path: '/usr/bin/tool', data: Buffer.from('binary'), mode: 0o755 }, { path: '/bin/tool', symlink: '../usr/bin/tool' }],
});

test('OCI archive: layout, index with the reference annotation, manifest, config and layer by digest', () => {
  const built = image();
  const { files, blob } = open(built.archive);
  assert.deepEqual(JSON.parse(files.get('oci-layout')?.data.toString() ?? ''), { imageLayoutVersion: '1.0.0' });
  const index = JSON.parse(files.get('index.json')?.data.toString() ?? '') as { manifests: Descriptor[] };
  assert.equal(index.manifests.length, 1);
  const m = index.manifests[0]!;
  assert.equal(m.digest, built.manifestDigest);
  assert.equal(m.annotations?.['org.opencontainers.image.ref.name'], 'litekube.local/test:1');
  assert.deepEqual(m.platform, { architecture: ociArchitecture(), os: 'linux' });
  const manifestBytes = blob(m.digest);
  assert.equal(manifestBytes.length, m.size);
  const manifest = JSON.parse(manifestBytes.toString()) as { config: Descriptor; layers: Descriptor[] };
  assert.equal(manifest.config.digest, built.configDigest);
  const config = JSON.parse(blob(manifest.config.digest).toString()) as {
    os: string; config: { Entrypoint: string[]; Cmd: string[]; Env: string[] }; rootfs: { diff_ids: string[] };
  };
  assert.equal(config.os, 'linux');
  assert.deepEqual(config.config.Entrypoint, ['/bin/tool']);
  assert.deepEqual(config.config.Cmd, ['--flag']);
  assert.deepEqual(config.config.Env, ['PATH=/bin']);
  assert.equal(manifest.layers.length, 1);
  const layer = blob(manifest.layers[0]!.digest);
  assert.deepEqual(config.rootfs.diff_ids, [manifest.layers[0]!.digest]);
  assert.deepEqual(readTar(layer).map((e) => [e.path, e.type, e.mode]), [
    ['bin/', '5', 0o755], ['usr/', '5', 0o755], ['usr/bin/', '5', 0o755], ['usr/bin/tool', '0', 0o755], ['bin/tool', '2', 0o777],
  ]);
});

test('OCI archive: same input, same digests (re-import is a no-op)', () => {
  assert.equal(image().manifestDigest, image().manifestDigest);
  assert.ok(image().archive.equals(image().archive));
});

test('OCI archive: relative paths are refused', () => {
  assert.throws(() => buildImage({ reference: 'x/y:1', entrypoint: ['a'], files: [{ path: 'bin/a', data: Buffer.alloc(0) }] }), /absolute/);
});

test('pause image: busybox sleeping forever, tagged litekube.local/pause:3.10', { skip: existsSync('/bin/busybox') ? false : 'busybox-static is not installed' }, () => {
  const built = buildPauseImage();
  const { files, blob } = open(built.archive);
  const index = JSON.parse(files.get('index.json')?.data.toString() ?? '') as { manifests: Descriptor[] };
  assert.equal(index.manifests[0]?.annotations?.['org.opencontainers.image.ref.name'], pauseReference);
  const config = JSON.parse(blob(built.configDigest).toString()) as { config: { Entrypoint: string[] } };
  assert.deepEqual(config.config.Entrypoint, ['/bin/busybox', 'sleep', '2147483647']);
  const manifest = JSON.parse(blob(built.manifestDigest).toString()) as { layers: Descriptor[] };
  const layer = readTar(blob(manifest.layers[0]!.digest));
  const busybox = layer.find((e) => e.path === 'bin/busybox');
  assert.ok(busybox && busybox.mode === 0o755 && busybox.data.length > 100_000);
});
