/** Reads back the ustar archives tar.ts writes (tests only): checks every header checksum. */
export interface ReadEntry {
  path: string;
  type: string;
  mode: number;
  linkname: string;
  data: Buffer;
}

function field(h: Buffer, offset: number, length: number): string {
  const raw = h.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

export function readTar(archive: Buffer): ReadEntry[] {
  const out: ReadEntry[] = [];
  for (let pos = 0; pos + 512 <= archive.length;) {
    const h = archive.subarray(pos, pos + 512);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i] ?? 0;
    if (sum !== parseInt(field(h, 148, 8), 8)) throw new Error(`bad checksum at ${pos}`);
    const size = parseInt(field(h, 124, 12), 8);
    const prefix = field(h, 345, 155);
    const name = field(h, 0, 100);
    out.push({
      path: prefix ? `${prefix}/${name}` : name,
      type: field(h, 156, 1),
      mode: parseInt(field(h, 100, 8), 8),
      linkname: field(h, 157, 100),
      data: archive.subarray(pos + 512, pos + 512 + size),
    });
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
