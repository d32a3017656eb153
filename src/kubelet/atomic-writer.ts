import { chmod, mkdir, readFile, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface PayloadFile {
  data: Buffer;
  mode: number;
}

/**
 * kubelet's AtomicWriter: a volume's files live in a timestamped `..<time>` directory that a
 * `..data` symlink points at, and each top-level entry is a symlink through `..data`. A new
 * payload is written to a fresh directory and `..data` is swapped by rename, so a reader
 * never sees half of an update. Returns whether anything changed.
 */
export async function writePayload(targetDir: string, payload: Map<string, PayloadFile>): Promise<boolean> {
  await mkdir(targetDir, { recursive: true });
  const dataLink = join(targetDir, '..data');
  const oldDir = await readlink(dataLink).catch(() => undefined);
  if (oldDir !== undefined && (await samePayload(join(targetDir, oldDir), payload))) return false;

  const stamp = `..${new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '')}.${Math.floor(Math.random() * 1e9)}`;
  const newDir = join(targetDir, stamp);
  await mkdir(newDir, { recursive: true });
  for (const [path, file] of payload) {
    const full = join(newDir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, file.data);
    await chmod(full, file.mode);
  }
  const tmpLink = join(targetDir, '..data_tmp');
  await rm(tmpLink, { force: true });
  await symlink(stamp, tmpLink);
  await rename(tmpLink, dataLink);

  const wanted = new Set([...payload.keys()].map((p) => p.split('/')[0]!));
  for (const top of wanted) {
    const link = join(targetDir, top);
    const current = await readlink(link).catch(() => undefined);
    if (current !== join('..data', top)) {
      await rm(link, { force: true, recursive: true });
      await symlink(join('..data', top), link);
    }
  }
  for (const entry of await readdir(targetDir)) {
    if (entry.startsWith('..')) {
      if (entry !== '..data' && entry !== stamp) await rm(join(targetDir, entry), { recursive: true, force: true });
    } else if (!wanted.has(entry)) {
      await rm(join(targetDir, entry), { recursive: true, force: true });
    }
  }
  return true;
}

async function samePayload(dir: string, payload: Map<string, PayloadFile>): Promise<boolean> {
  const existing = await listFiles(dir).catch(() => undefined);
  if (!existing || existing.length !== payload.size) return false;
  for (const path of existing) {
    const want = payload.get(path);
    if (!want) return false;
    const have = await readFile(join(dir, path)).catch(() => undefined);
    if (!have || !have.equals(want.data)) return false;
  }
  return true;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}
