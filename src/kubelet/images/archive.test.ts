import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { NotAnImageArchive, normalizeImageName, readImageArchive } from './archive.js';
import { dockerSaveArchive } from './docker-save.test-helper.js';
import { buildImage } from './oci.js';
import { tar } from './tar.js';

const image = () => buildImage({ reference: 'litekube.local/web:v2', cmd: ['tool'], files: [{ path: '/bin/tool', data: Buffer.alloc(3000, 1), mode: 0o755 }] });

async function withFile(data: Buffer, body: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'litekube-archive-'));
  try {
    const path = join(dir, 'image.tar');
    await writeFile(path, data);
    await body(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('image archive: an OCI layout is named from its index annotations', async () => {
  await withFile(image().archive, async (path) => {
    assert.deepEqual(await readImageArchive(path), {
      format: 'oci', gzip: false, images: [{ name: 'litekube.local/web:v2', shown: 'litekube.local/web:v2' }], unnamed: [],
    });
  });
});

test('image archive: docker save output is named from RepoTags, normalized as containerd stores them; gzip is read too', async () => {
  const archive = dockerSaveArchive(image(), ['busybox:1.36', 'example.com:5000/team/app', 'localhost/x:1']);
  const expected = {
    format: 'docker', images: [
      { name: 'docker.io/library/busybox:1.36', shown: 'busybox:1.36' },
      { name: 'example.com:5000/team/app:latest', shown: 'example.com:5000/team/app' },
      { name: 'localhost/x:1', shown: 'localhost/x:1' },
    ], unnamed: [],
  };
  await withFile(archive, async (path) => assert.deepEqual(await readImageArchive(path), { ...expected, gzip: false }));
  await withFile(gzipSync(archive), async (path) => assert.deepEqual(await readImageArchive(path), { ...expected, gzip: true }));
});

test('image archive: entries without a usable name are reported, not guessed', async () => {
  await withFile(dockerSaveArchive(image(), []), async (path) => {
    const read = await readImageArchive(path);
    assert.deepEqual(read.images, []);
    assert.match(read.unnamed[0] ?? '', /^image sha256:[0-9a-f]{64} \(no RepoTags\)$/);
  });
  // An OCI ref.name that is only a tag would become "import-<date>:v1" in containerd.
  const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:ab', size: 1, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] };
  const oci = tar([
    { type: 'file', path: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { type: 'file', path: 'index.json', data: Buffer.from(JSON.stringify(index)) },
  ]);
  await withFile(oci, async (path) => {
    const read = await readImageArchive(path);
    assert.deepEqual(read.images, []);
    assert.match(read.unnamed[0] ?? '', /^manifest sha256:ab \(no io\.containerd\.image\.name/);
  });
});

test('image archive: files that are not image archives are refused with the reason', async () => {
  const cases: Array<[Buffer, RegExp]> = [
    [Buffer.from('hello, this is text\n'.repeat(100)), /not a tar archive/],
    [tar([{ type: 'file', path: 'README', data: Buffer.from('hi') }]), /neither manifest\.json .* nor oci-layout and index\.json/],
    [tar([{ type: 'file', path: 'manifest.json', data: Buffer.from('{nope') }]), /manifest\.json is not valid JSON/],
    [tar([{ type: 'file', path: 'manifest.json', data: Buffer.from('[{"RepoTags":["a:1"]}]') }]), /entry 0 of its manifest\.json has no Config or Layers/],
    [gzipSync(Buffer.from('plain text')), /not a tar archive/],
    [Buffer.concat([gzipSync(image().archive).subarray(0, 200)]), /gzip data is damaged/],
  ];
  for (const [data, message] of cases) {
    await withFile(data, async (path) => {
      await assert.rejects(readImageArchive(path), (error: unknown) => error instanceof NotAnImageArchive && message.test(error.message));
    });
  }
});

test('image names: normalized as Docker and containerd do', () => {
  assert.equal(normalizeImageName('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeImageName('index.docker.io/team/app:1'), 'docker.io/team/app:1');
  assert.equal(normalizeImageName('team/app@sha256:00'), 'docker.io/team/app@sha256:00');
  assert.equal(normalizeImageName('quay.io/a/b:2'), 'quay.io/a/b:2');
});
