/**
 * Builds a single-layer OCI image archive (an image layout in a tar, as `ctr images import`
 * and `docker load` read it). Used for the sandbox image and for test images: no registry is
 * needed to run pods.
 */
import { createHash } from 'node:crypto';
import { tar, type TarEntry } from './tar.js';

export type ImageFile =
  | { path: string; data: Buffer; mode?: number }
  | { path: string; symlink: string }
  | { path: string; directory: true; mode?: number };

export interface ImageSpec {
  /** Full reference the import tags, e.g. litekube.local/pause:3.10. */
  reference: string;
  /** Empty or absent: the image has only a cmd, which a pod's `args` replace (like docker's busybox). */
  entrypoint?: string[];
  cmd?: string[];
  /** KEY=value; PATH defaults to /bin so image commands need no absolute paths. */
  env?: string[];
  workingDir?: string;
  /** Absolute paths in the image; parent directories are added. */
  files: ImageFile[];
}

export interface BuiltImage {
  archive: Buffer;
  /** sha256:… of the manifest (what containerd reports as the image's digest). */
  manifestDigest: string;
  /** sha256:… of the config (CRI's image id). */
  configDigest: string;
}

const media = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
};

function digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Go's GOARCH names, which OCI platforms use. */
export function ociArchitecture(arch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return names[arch] ?? arch;
}

function layerEntries(files: ImageFile[]): TarEntry[] {
  const dirs = new Set<string>();
  const modes = new Map<string, number>();
  const entries: TarEntry[] = [];
  for (const file of files) {
    if (!file.path.startsWith('/')) throw new Error(`image file path must be absolute: ${file.path}`);
    const rel = file.path.replace(/^\/+/, '');
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    if ('directory' in file) {
      dirs.add(rel);
      if (file.mode !== undefined) modes.set(rel, file.mode);
      continue;
    }
    entries.push('symlink' in file
      ? { type: 'symlink', path: rel, target: file.symlink }
      : { type: 'file', path: rel, data: file.data, mode: file.mode ?? 0o644 });
  }
  // Parents first (sorted paths put a directory before its contents), then files in given order.
  const dirEntries: TarEntry[] = [...dirs].sort().map((path) => ({ type: 'dir', path, ...(modes.has(path) ? { mode: modes.get(path)! } : {}) }));
  return [...dirEntries, ...entries];
}

export function buildImage(spec: ImageSpec): BuiltImage {
  const layer = tar(layerEntries(spec.files));
  const layerDigest = digest(layer);
  const platform = { architecture: ociArchitecture(), os: 'linux' };
  const config = Buffer.from(JSON.stringify({
    ...platform,
    config: {
      ...(spec.entrypoint?.length ? { Entrypoint: spec.entrypoint } : {}),
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
      Env: spec.env ?? ['PATH=/bin'],
      WorkingDir: spec.workingDir ?? '/',
    },
    // The uncompressed layer's digest: here the layer is stored uncompressed, so it is the same.
    rootfs: { type: 'layers', diff_ids: [layerDigest] },
  }));
  const configDigest = digest(config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: media.manifest,
    config: { mediaType: media.config, digest: configDigest, size: config.length },
    layers: [{ mediaType: media.layer, digest: layerDigest, size: layer.length }],
  }));
  const manifestDigest = digest(manifest);
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: media.index,
    manifests: [{
      mediaType: media.manifest, digest: manifestDigest, size: manifest.length, platform,
      // containerd's importer names the image from these (the first is containerd's own, full reference).
      annotations: { 'io.containerd.image.name': spec.reference, 'org.opencontainers.image.ref.name': spec.reference },
    }],
  }));
  const blob = (d: string, data: Buffer): TarEntry => ({ type: 'file', path: `blobs/sha256/${d.slice('sha256:'.length)}`, data });
  const archive = tar([
    { type: 'file', path: 'oci-layout', data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
    { type: 'file', path: 'index.json', data: index },
    { type: 'dir', path: 'blobs' },
    { type: 'dir', path: 'blobs/sha256' },
    blob(manifestDigest, manifest),
    blob(configDigest, config),
    blob(layerDigest, layer),
  ]);
  return { archive, manifestDigest, configDigest };
}
