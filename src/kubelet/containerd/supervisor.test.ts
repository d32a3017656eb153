import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerdSupervisor } from './supervisor.js';

test('supervisor: a missing binary is a clear error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'litekube-sup-'));
  try {
    await assert.rejects(ContainerdSupervisor.start({ dir, binary: join(dir, 'no-such-containerd'), startTimeoutMs: 2000 }), /cannot start containerd: .*ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('supervisor: a child that exits during start-up is reported with its log; the config is written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'litekube-sup-'));
  try {
    // `false` stands in for a containerd that rejects its config.
    await assert.rejects(ContainerdSupervisor.start({ dir, binary: 'false', startTimeoutMs: 5000 }), /exited during start-up.*containerd\.log/);
    assert.match(await readFile(join(dir, 'config.toml'), 'utf8'), /version = 2/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
