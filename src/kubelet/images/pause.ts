/**
 * The sandbox ("pause") image, built on the node: each pod's first container, which only holds
 * the pod's namespaces open. busybox sleeping for ~68 years does that; containerd ends it with
 * SIGKILL on StopPodSandbox, so it needs no signal handling.
 */
import { buildImage, type BuiltImage } from './oci.js';
import { busyboxFiles, defaultBusybox } from './busybox.js';
import { importImage, type ImportOptions } from './import.js';

/** The containerd config's sandbox_image (containerd/config.ts uses this). */
export const pauseReference = 'litekube.local/pause:3.10';

export { buildImage } from './oci.js';
export type { ImageSpec, ImageFile, BuiltImage } from './oci.js';

export function buildPauseImage(reference = pauseReference, busybox = defaultBusybox): BuiltImage {
  // The largest sleep busybox accepts on every architecture: 2^31 - 1 seconds.
  return buildImage({ reference, entrypoint: ['/bin/busybox', 'sleep', '2147483647'], files: busyboxFiles([], busybox) });
}

/** Builds the pause image and imports it into containerd (idempotent: same bytes, same digests). */
export async function importPauseImage(options: ImportOptions & { reference?: string; busybox?: string }): Promise<BuiltImage> {
  const image = buildPauseImage(options.reference, options.busybox);
  await importImage(image.archive, options);
  return image;
}
