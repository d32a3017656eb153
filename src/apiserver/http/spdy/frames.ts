// SPDY/3.1 framing (the draft kubectl's port-forward speaks through moby/spdystream): an 8-byte
// header, then the payload. Control frames carry a version and a type; data frames a stream id.
export const spdyVersion = 3;

export const frameType = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

export const flagFin = 0x01;
export const flagUnidirectional = 0x02;

/** RST_STREAM status codes used here. */
export const resetStatus = { protocolError: 1, invalidStream: 2, refusedStream: 3, cancel: 5, internalError: 6 } as const;

export type Frame =
  | { kind: 'data'; streamId: number; flags: number; data: Buffer }
  | { kind: 'control'; type: number; flags: number; payload: Buffer };

/** Frames larger than this are refused: SPDY's 24-bit length allows 16 MiB; spdystream sends at most 64 KiB. */
const maxPayload = 1 << 20;

/** Splits a byte stream into frames; bytes that do not yet make a whole frame are kept for the next push. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUInt32BE(4) & 0xffffff;
      if (length >= maxPayload) throw new Error(`SPDY frame of ${length} bytes is too large`);
      if (this.buffered.length < 8 + length) break;
      const flags = this.buffered[4]!;
      const payload = this.buffered.subarray(8, 8 + length);
      const first = this.buffered.readUInt32BE(0);
      if (first & 0x80000000) {
        const version = (first >>> 16) & 0x7fff;
        if (version !== spdyVersion) throw new Error(`unsupported SPDY version ${version}`);
        frames.push({ kind: 'control', type: first & 0xffff, flags, payload });
      } else {
        frames.push({ kind: 'data', streamId: first & 0x7fffffff, flags, data: payload });
      }
      this.buffered = this.buffered.subarray(8 + length);
    }
    return frames;
  }
}

function header(first: number, flags: number, length: number): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(first >>> 0, 0);
  head.writeUInt32BE(((flags & 0xff) << 24) | length, 4);
  return head;
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  return Buffer.concat([header((0x8000 | spdyVersion) * 0x10000 + type, flags, payload.length), payload]);
}

export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  return Buffer.concat([header(streamId & 0x7fffffff, flags, data.length), data]);
}

const words = (...values: number[]): Buffer => {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeUInt32BE(v >>> 0, i * 4));
  return out;
};

export const rstStreamFrame = (streamId: number, status: number): Buffer => controlFrame(frameType.rstStream, 0, words(streamId & 0x7fffffff, status));
export const pingFrame = (id: number): Buffer => controlFrame(frameType.ping, 0, words(id));
export const goAwayFrame = (lastGoodStreamId: number, status = 0): Buffer => controlFrame(frameType.goAway, 0, words(lastGoodStreamId & 0x7fffffff, status));
/** SYN_REPLY: the stream id, then the (already compressed) header block. */
export const synReplyFrame = (streamId: number, flags: number, compressedHeaders: Buffer): Buffer =>
  controlFrame(frameType.synReply, flags, Buffer.concat([words(streamId & 0x7fffffff), compressedHeaders]));
/** SYN_STREAM: stream id, associated stream id, priority and slot, then the compressed header block. */
export const synStreamFrame = (streamId: number, flags: number, compressedHeaders: Buffer): Buffer =>
  controlFrame(frameType.synStream, flags, Buffer.concat([words(streamId & 0x7fffffff, 0), Buffer.from([0, 0]), compressedHeaders]));

export type Headers = Map<string, string[]>;

/** A header block before compression: a count, then length-prefixed names and NUL-joined values. */
export function encodeHeaderBlock(headers: Headers): Buffer {
  const parts: Buffer[] = [words(headers.size)];
  for (const [name, values] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(words(n.length), n, words(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): Headers {
  const headers: Headers = new Map();
  let at = 0;
  const read = (): Buffer => {
    if (at + 4 > block.length) throw new Error('truncated SPDY header block');
    const length = block.readUInt32BE(at);
    at += 4;
    if (at + length > block.length) throw new Error('truncated SPDY header block');
    const out = block.subarray(at, at + length);
    at += length;
    return out;
  };
  if (block.length < 4) throw new Error('truncated SPDY header block');
  const count = block.readUInt32BE(0);
  at = 4;
  for (let i = 0; i < count; i++) {
    const name = read().toString('utf8').toLowerCase();
    const values = read().toString('utf8').split('\0');
    headers.set(name, [...(headers.get(name) ?? []), ...values]);
  }
  return headers;
}
