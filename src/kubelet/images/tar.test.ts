import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { tar } from './tar.js';
import { readTar } from './tar-reader.test-helper.js';

const longPath = `${'d'.repeat(60)}/${'e'.repeat(60)}/file.txt`;
const entries = () => tar([
  { type: 'dir', path: 'bin' },
  { type: 'file', path: 'bin/tool', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
  { type: 'symlink', path: 'bin/sh', target: 'tool' },
  { type: 'file', path: longPath, data: Buffer.alloc(1000, 'x') },
]);

test('tar: blocks of 512, valid checksums, entries read back', () => {
  const archive = entries();
  assert.equal(archive.length % 512, 0);
  const read = readTar(archive);
  assert.deepEqual(read.map((e) => [e.path, e.type, e.mode, e.data.length, e.linkname]), [
    ['bin/', '5', 0o755, 0, ''],
    ['bin/tool', '0', 0o755, 18, ''],
    ['bin/sh', '2', 0o777, 0, 'tool'],
    [longPath, '0', 0o644, 1000, ''],
  ]);
  assert.equal(read[1]?.data.toString(), '#!/bin/sh\necho hi\n');
});

test('tar: deterministic bytes (fixed times and owners)', () => {
  assert.ok(entries().equals(entries()));
});

test('tar: paths ustar cannot hold are refused', () => {
  assert.throws(() => tar([{ type: 'file', path: 'x'.repeat(101), data: Buffer.alloc(0) }]), /too long/);
});

test('tar: GNU tar lists what we wrote', { skip: spawnSync('tar', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'no tar binary' }, () => {
  const out = spawnSync('tar', ['-tvf', '-'], { input: entries(), encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  const lines = out.stdout.trim().split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[1] ?? '', /^-rwxr-xr-x root\/root\s+18 .* bin\/tool$/);
  assert.match(lines[2] ?? '', /^lrwxrwxrwx .* bin\/sh -> tool$/);
  assert.ok(lines[3]?.endsWith(longPath));
});
