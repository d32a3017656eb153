/**
 * Reads what an image archive says about itself before containerd imports it: its format
 * (`docker save`: manifest.json; OCI image layout: oci-layout + index.json) and the names the
 * import will give its images, as containerd's importer derives them. Only the small JSON
 * files are read into memory; layers are skipped by seeking (plain tar) or streamed past (gzip).
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

export interface ArchiveImage {
  /** The image's name as containerd records it (docker.io/library/… for short Docker names). */
  name: string;
  /** The name as the archive spells it (what `docker load` prints). */
  shown: string;
}

export interface ImageArchive {
  format: 'docker' | 'oci';
  gzip: boolean;
  images: ArchiveImage[];
  /** Entries the import leaves unnamed (containerd would not keep them), as words for a warning. */
  unnamed: string[];
}

/** The archive is not something `ctr images import` (or `docker load`) reads. */
export class NotAnImageArchive extends Error {}

/** Files the format is recognised by; a bigger one is not ours (containerd's own JSON limit is 20 MiB). */
const wanted = new Set(['manifest.json', 'index.json', 'oci-layout']);
const jsonLimit = 20 * 1024 * 1024;
const block = 512;

/** A byte source the tar walk reads headers from and skips file bodies of. */
interface Source {
  read(length: number): Promise<Buffer>;
  skip(length: number): Promise<void>;
  close(): Promise<void>;
}

function fileSource(handle: FileHandle): Source {
  let position = 0;
  return {
    async read(length) {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      position += bytesRead;
      return buffer.subarray(0, bytesRead);
    },
    async skip(length) {
      position += length;
    },
    close: () => handle.close(),
  };
}

function streamSource(stream: NodeJS.ReadableStream & { destroy(): void }): Source {
  const iterator = stream[Symbol.asyncIterator]();
  let pending: Buffer = Buffer.alloc(0);
  let done = false;
  const fill = async (length: number): Promise<void> => {
    const parts: Buffer[] = [pending];
    let have = pending.length;
    while (have < length && !done) {
      const next = await iterator.next();
      if (next.done) done = true;
      else {
        const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
        parts.push(chunk);
        have += chunk.length;
      }
    }
    pending = Buffer.concat(parts);
  };
  return {
    async read(length) {
      await fill(length);
      const out = pending.subarray(0, length);
      pending = pending.subarray(out.length);
      return out;
    },
    async skip(length) {
      while (length > 0) {
        await fill(Math.min(length, 1 << 20));
        if (pending.length === 0) return;
        const n = Math.min(length, pending.length);
        pending = pending.subarray(n);
        length -= n;
      }
    },
    async close() {
      stream.destroy();
    },
  };
}

const text = (h: Buffer, offset: number, length: number): string => {
  const raw = h.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
};

/** ustar numeric field: octal text, or base-256 (high bit set) for big sizes. */
function number(h: Buffer, offset: number, length: number): number {
  if ((h[offset]! & 0x80) !== 0) {
    let value = h[offset]! & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + h[offset + i]!;
    return value;
  }
  const digits = text(h, offset, length).trim();
  return digits ? parseInt(digits, 8) : 0;
}

function validHeader(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < block; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === number(h, 148, 8);
}

/** `path=value` records of a pax extended header. */
function paxPath(data: Buffer): string | undefined {
  for (let pos = 0; pos < data.length;) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const length = Number(data.subarray(pos, space).toString());
    if (!Number.isInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    if (record.startsWith('path=')) return record.slice(5);
    pos += length;
  }
  return undefined;
}

/** Walks the tar, returning the wanted top-level files; throws NotAnImageArchive on a non-tar. */
async function collect(source: Source): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  let longName: string | undefined;
  for (let first = true; ; first = false) {
    const h = await source.read(block);
    if (h.length < block || h.every((b) => b === 0)) {
      if (first) throw new NotAnImageArchive('it is not a tar archive');
      return found;
    }
    if (!validHeader(h)) {
      if (first) throw new NotAnImageArchive('it is not a tar archive');
      throw new NotAnImageArchive('the tar archive is damaged (bad header checksum)');
    }
    const size = number(h, 124, 12);
    const type = String.fromCharCode(h[156]!);
    const padded = Math.ceil(size / block) * block;
    if (type === 'x' || type === 'L') {
      const data = await source.read(padded);
      longName = type === 'L' ? text(data, 0, size) : paxPath(data.subarray(0, size));
      continue;
    }
    const prefix = text(h, 345, 155);
    const name = (longName ?? (prefix ? `${prefix}/${text(h, 0, 100)}` : text(h, 0, 100))).replace(/^(\.\/)+/, '');
    longName = undefined;
    if ((type === '0' || type === '\0') && wanted.has(name)) {
      if (size > jsonLimit) throw new NotAnImageArchive(`its ${name} is larger than ${jsonLimit} bytes`);
      found.set(name, (await source.read(padded)).subarray(0, size));
    } else {
      await source.skip(padded);
    }
  }
}

function parseJson(file: string, data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch (error: unknown) {
    throw new NotAnImageArchive(`its ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/**
 * A Docker name made full as containerd's importer (and the CRI) store it: docker.io for a
 * name without a registry, library/ for an official image, :latest when no tag or digest.
 */
export function normalizeImageName(name: string): string {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  let domain = 'docker.io';
  let rest = name;
  if (slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first === 'index.docker.io' ? 'docker.io' : first;
    rest = name.slice(slash + 1);
  }
  if (domain === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  const lastPart = rest.split('/').pop() ?? '';
  if (!rest.includes('@') && !lastPart.includes(':')) rest = `${rest}:latest`;
  return `${domain}/${rest}`;
}

function dockerImages(manifest: unknown): Pick<ImageArchive, 'images' | 'unnamed'> {
  if (!Array.isArray(manifest)) throw new NotAnImageArchive('its manifest.json is not a list of images');
  const images: ArchiveImage[] = [];
  const unnamed: string[] = [];
  manifest.forEach((entry: unknown, i) => {
    const e = (entry ?? {}) as { Config?: unknown; RepoTags?: unknown; Layers?: unknown };
    if (typeof e.Config !== 'string' || !Array.isArray(e.Layers)) throw new NotAnImageArchive(`entry ${i} of its manifest.json has no Config or Layers`);
    const tags = Array.isArray(e.RepoTags) ? e.RepoTags.filter((t): t is string => typeof t === 'string' && t !== '') : [];
    // The config file is named by its digest: <hex>.json (older docker) or blobs/sha256/<hex>.
    const id = (e.Config.split('/').pop() ?? '').replace(/\.json$/, '');
    if (!tags.length) unnamed.push(`image ${/^[0-9a-f]{64}$/.test(id) ? `sha256:${id}` : e.Config} (no RepoTags)`);
    for (const tag of tags) images.push({ name: normalizeImageName(tag), shown: tag });
  });
  return { images, unnamed };
}

function ociImages(index: unknown): Pick<ImageArchive, 'images' | 'unnamed'> {
  const manifests = (index as { manifests?: unknown } | null)?.manifests;
  if (!Array.isArray(manifests)) throw new NotAnImageArchive('its index.json has no manifests list');
  const images: ArchiveImage[] = [];
  const unnamed: string[] = [];
  manifests.forEach((m: unknown, i) => {
    const desc = (m ?? {}) as { digest?: unknown; annotations?: Record<string, unknown> };
    const containerdName = desc.annotations?.['io.containerd.image.name'];
    const refName = desc.annotations?.['org.opencontainers.image.ref.name'];
    // containerd takes its own annotation, else a ref.name that is a full reference; a bare
    // tag ("v1") would get an "import-<date>" name no pod can use.
    const name = typeof containerdName === 'string' && containerdName ? containerdName
      : typeof refName === 'string' && /[/:@]/.test(refName) ? refName : undefined;
    if (name) images.push({ name, shown: name });
    else unnamed.push(`manifest ${typeof desc.digest === 'string' ? desc.digest : i} (no io.containerd.image.name annotation, nor a full reference in org.opencontainers.image.ref.name)`);
  });
  return { images, unnamed };
}

/** Reads an image archive's format and image names; NotAnImageArchive when it is none. */
export async function readImageArchive(path: string): Promise<ImageArchive> {
  const handle = await open(path, 'r');
  let gzip = false;
  let source: Source = fileSource(handle);
  try {
    const magic = Buffer.alloc(2);
    await handle.read(magic, 0, 2, 0);
    if (magic[0] === 0x1f && magic[1] === 0x8b) {
      gzip = true;
      await handle.close();
      const stream = createReadStream(path).pipe(createGunzip());
      source = streamSource(stream);
    }
    let files: Map<string, Buffer>;
    try {
      files = await collect(source);
    } catch (error: unknown) {
      // A damaged gzip stream surfaces as a zlib error.
      if (gzip && !(error instanceof NotAnImageArchive)) throw new NotAnImageArchive(`its gzip data is damaged (${error instanceof Error ? error.message : String(error)})`);
      throw error;
    }
    const index = files.get('index.json');
    const manifest = files.get('manifest.json');
    // Newer `docker save` writes both; containerd prefers the OCI index when oci-layout is there.
    if (index && files.has('oci-layout')) return { format: 'oci', gzip, ...ociImages(parseJson('index.json', index)) };
    if (manifest) return { format: 'docker', gzip, ...dockerImages(parseJson('manifest.json', manifest)) };
    throw new NotAnImageArchive('it has neither manifest.json (docker save) nor oci-layout and index.json (OCI image layout)');
  } finally {
    await source.close().catch(() => undefined);
  }
}
