/** Turns a built OCI archive into the layout `docker save` writes (tests only): manifest.json, <id>.json, <layer>/layer.tar. */
import type { BuiltImage } from './oci.js';
import { readTar } from './tar-reader.test-helper.js';
import { tar, type TarEntry } from './tar.js';

export function dockerSaveArchive(image: BuiltImage, repoTags: string[]): Buffer {
  const blobs = new Map(readTar(image.archive).map((e) => [e.path, e.data]));
  const blob = (digest: string): Buffer => {
    const data = blobs.get(`blobs/sha256/${digest.slice('sha256:'.length)}`);
    if (!data) throw new Error(`no blob ${digest}`);
    return data;
  };
  const manifest = JSON.parse(blob(image.manifestDigest).toString()) as { layers: Array<{ digest: string }> };
  const hex = (digest: string): string => digest.slice('sha256:'.length);
  const config = `${hex(image.configDigest)}.json`;
  const layers = manifest.layers.map((l) => `${hex(l.digest)}/layer.tar`);
  const entries: TarEntry[] = [
    ...manifest.layers.flatMap((l, i): TarEntry[] => [{ type: 'dir', path: hex(l.digest) }, { type: 'file', path: layers[i]!, data: blob(l.digest) }]),
    { type: 'file', path: config, data: blob(image.configDigest) },
    { type: 'file', path: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: config, RepoTags: repoTags, Layers: layers }])) },
  ];
  return tar(entries);
}
