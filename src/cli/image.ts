/**
 * `litekube image load FILE…`: imports image archives (`docker save` output or OCI image
 * layouts) into the running node's containerd, in the CRI's k8s.io namespace, so pods can use
 * them without a registry — as `k3s ctr images import` or `kind load image-archive` do.
 */
import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { containerdPaths, nodeContainerdDir } from '../kubelet/containerd/config.js';
import { CriClient } from '../kubelet/cri/client.js';
import { NotAnImageArchive, readImageArchive, type ImageArchive } from '../kubelet/images/archive.js';
import { importArchive } from '../kubelet/images/import.js';
import { defaultDataDir } from './args.js';

export const imageUsage = `Usage: litekube image load [--data-dir DIR] FILE.tar [FILE.tar…]

Imports image archives into the containerd of the node running with DIR, where pods find
them by name (use imagePullPolicy IfNotPresent or Never with such images). Reads the output
of \`docker save\` / \`podman save\` (optionally gzip-compressed) and OCI image layouts; names
come from the archive (RepoTags, or the index's io.containerd.image.name /
org.opencontainers.image.ref.name annotations).

Flags:
  --data-dir DIR   the data dir of the running \`litekube up\`
                   (default /var/lib/litekube as root, ~/.litekube otherwise)
`;

interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Checks every file before anything is imported; the error names the file and what is wrong. */
async function inspect(file: string): Promise<ImageArchive> {
  if (!existsSync(file)) throw new Error(`Cannot load ${file}: no such file`);
  if (!statSync(file).isFile()) throw new Error(`Cannot load ${file}: not a file`);
  let archive: ImageArchive;
  try {
    archive = await readImageArchive(file);
  } catch (error: unknown) {
    if (error instanceof NotAnImageArchive) throw new Error(`Cannot load ${file}: not an image archive: ${error.message}`);
    throw error;
  }
  if (!archive.images.length) throw new Error(`Cannot load ${file}: no image in it has a name (${archive.unnamed.join('; ')})`);
  return archive;
}

/** The socket of the node agent's containerd, once it answers; a clear error when no node runs there. */
async function nodeContainerd(dataDir: string): Promise<{ socket: string; cri: CriClient }> {
  const socket = containerdPaths(nodeContainerdDir(dataDir)).socket;
  const hint = `start the node with: litekube up --data-dir ${dataDir}`;
  if (!existsSync(socket)) throw new Error(`Cannot load images: no litekube node is running with data dir ${dataDir} (no containerd socket at ${socket}); ${hint}`);
  const cri = new CriClient({ socket, timeoutMs: 5000 });
  try {
    await cri.version();
  } catch (error: unknown) {
    cri.close();
    throw new Error(`Cannot load images: containerd does not answer on ${socket} (${error instanceof Error ? error.message : String(error)}); ${hint}`);
  }
  return { socket, cri };
}

async function load(files: string[], dataDir: string, io: Output): Promise<void> {
  const archives: Array<[string, ImageArchive]> = [];
  for (const file of files) archives.push([file, await inspect(file)]);
  const { socket, cri } = await nodeContainerd(dataDir);
  try {
    for (const [file, archive] of archives) {
      const kind = archive.format === 'oci' ? 'OCI image layout' : 'docker save archive';
      io.out(`Loading ${file} (${kind}${archive.gzip ? ', gzip' : ''}, ${megabytes(statSync(file).size)})`);
      for (const skipped of archive.unnamed) io.err(`litekube image load: ${file}: skipping ${skipped}`);
      await importArchive(file, { socket, gzip: archive.gzip, timeoutMs: 30 * 60_000 });
      for (const image of archive.images) {
        // What the kubelet will ask for: the CRI must see the image under its name.
        const status = await cri.imageStatus(image.name);
        if (!status) throw new Error(`Cannot load ${file}: containerd imported it, but the CRI does not see ${image.name}`);
        io.out(`Loaded image: ${image.shown}`);
      }
    }
  } finally {
    cri.close();
  }
}

/** Runs `litekube image …`; returns the exit code (2: usage). */
export async function imageCommand(argv: string[], io: Output = { out: (l) => void process.stdout.write(`${l}\n`), err: (l) => void process.stderr.write(`${l}\n`) }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (error: unknown) {
    io.err(`litekube image: ${error instanceof Error ? error.message : String(error)}\n\n${imageUsage}`);
    return 2;
  }
  const [verb, ...files] = parsed.positionals;
  if (parsed.values.help) {
    io.out(imageUsage);
    return 0;
  }
  if (verb !== 'load') {
    io.err(`litekube image: ${verb ? `unknown command "${verb}"` : 'missing command'}\n\n${imageUsage}`);
    return 2;
  }
  if (!files.length) {
    io.err(`litekube image load: no archive given\n\n${imageUsage}`);
    return 2;
  }
  try {
    await load(files, parsed.values['data-dir'] ?? defaultDataDir(), io);
    return 0;
  } catch (error: unknown) {
    io.err(`litekube image load: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
