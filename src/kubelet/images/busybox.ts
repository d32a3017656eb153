/** Image contents made of busybox-static: one static binary, applets reached through symlinks. */
import { readFileSync } from 'node:fs';
import type { ImageFile } from './oci.js';

/** Debian's busybox-static installs here. */
export const defaultBusybox = '/bin/busybox';

/**
 * /bin/busybox plus a /bin/<applet> symlink per applet and /tmp, so `sh -c '…'` and friends work as in
 * any image. Busybox picks the applet from argv[0].
 */
export function busyboxFiles(applets: string[] = [], busybox = defaultBusybox): ImageFile[] {
  const files: ImageFile[] = [{ path: '/bin/busybox', data: readFileSync(busybox), mode: 0o755 }];
  for (const applet of applets) files.push({ path: `/bin/${applet}`, symlink: 'busybox' });
  // As in any distribution image: tools such as `kubectl cp` (tar) expect a writable /tmp.
  files.push({ path: '/tmp', directory: true, mode: 0o1777 });
  return files;
}
