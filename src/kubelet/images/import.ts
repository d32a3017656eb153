/**
 * Loads an image archive into containerd's CRI namespace with `ctr images import`: the CRI API
 * can only pull from registries, and there may be none.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';

export interface ImportOptions {
  /** containerd's gRPC socket. */
  socket: string;
  /** Must be the CRI plugin's snapshotter, so the image is unpacked where pods look for it. */
  snapshotter?: string;
  /** The ctr binary (PATH by default). */
  ctr?: string;
  timeoutMs?: number;
}

/** Imports an archive file; a gzip-compressed one is decompressed into ctr's stdin (ctr reads plain tar only). */
export function importArchive(path: string, options: ImportOptions & { gzip?: boolean }): Promise<void> {
  const args = ['--address', options.socket, '--namespace', 'k8s.io', 'images', 'import'];
  if (options.snapshotter) args.push('--snapshotter', options.snapshotter);
  args.push(options.gzip ? '-' : path);
  return new Promise((resolve, reject) => {
    const child = execFile(options.ctr ?? 'ctr', args, { timeout: options.timeoutMs ?? 60_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`ctr images import ${path} failed: ${stderr.trim() || err.message}`));
      else resolve();
    });
    if (!options.gzip) return;
    const input = createReadStream(path).pipe(createGunzip());
    // A broken pipe (ctr gave up) or bad gzip data ends ctr's input; its exit reports the failure.
    input.on('error', () => child.stdin?.end());
    child.stdin?.on('error', () => input.destroy());
    if (child.stdin) input.pipe(child.stdin);
  });
}

/** Imports an in-memory archive via a private temp file that is removed afterwards. */
export async function importImage(archive: Buffer, options: ImportOptions): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'litekube-image-'));
  try {
    const path = join(dir, 'image.tar');
    await writeFile(path, archive, { mode: 0o600 });
    await importArchive(path, options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
