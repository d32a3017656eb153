import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Duplex, PassThrough } from 'node:stream';
import { headerDictionary } from './dictionary.js';
import {
  controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock, flagFin, FrameReader, frameType, pingFrame, rstStreamFrame, synStreamFrame, type Frame,
} from './frames.js';
import { HeaderCompression } from './header-compression.js';
import { SpdySession, type SpdyStream } from './session.js';

/** Two ends of a byte pipe: what the client writes the session reads, and back. */
function pipePair(): { client: Duplex; server: Duplex } {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const client = Duplex.from({ readable: toClient, writable: toServer });
  const server = Duplex.from({ readable: toServer, writable: toClient });
  // Destroying one end (as the session does on a framing error) aborts the other.
  client.on('error', () => undefined);
  return { client, server };
}

/** A test client: writes frames, collects the session's frames. */
function clientOf(client: Duplex): { frames: Frame[]; next: (count: number) => Promise<Frame[]>; compression: HeaderCompression } {
  const reader = new FrameReader();
  const frames: Frame[] = [];
  const waiters: Array<() => void> = [];
  client.on('data', (chunk: Buffer) => {
    frames.push(...reader.push(chunk));
    waiters.splice(0).forEach((w) => w());
  });
  const next = async (count: number): Promise<Frame[]> => {
    while (frames.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    return frames.splice(0, count);
  };
  return { frames, next, compression: new HeaderCompression() };
}

describe('SPDY/3.1 session', () => {
  it('has the SPDY/3 header dictionary byte for byte', () => {
    assert.equal(headerDictionary.length, 1423);
    assert.equal(createHash('sha256').update(headerDictionary).digest('hex'), '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
  });

  it('encodes and decodes header blocks, joining repeated values with NUL', () => {
    const headers = new Map([['streamtype', ['data']], ['x', ['1', '2']]]);
    assert.deepEqual(decodeHeaderBlock(encodeHeaderBlock(headers)), headers);
    assert.throws(() => decodeHeaderBlock(Buffer.from([0, 0, 0, 1, 0, 0, 0, 9])), /truncated/);
  });

  it('expands header blocks larger than the zlib buffer, and refuses ones past 256 KiB', async () => {
    const sender = new HeaderCompression();
    const receiver = new HeaderCompression();
    const big = encodeHeaderBlock(new Map([['x-big', ['y'.repeat(100_000)]]]));
    assert.deepEqual(await receiver.decompress(await sender.compress(big)), big);
    // The contexts carry on across blocks.
    const small = encodeHeaderBlock(new Map([['streamtype', ['data']]]));
    assert.deepEqual(await receiver.decompress(await sender.compress(small)), small);
    const bomb = await sender.compress(encodeHeaderBlock(new Map([['x-bomb', ['z'.repeat(300_000)]]])));
    assert.ok(bomb.length < 2_000, 'a small block on the wire');
    await assert.rejects(receiver.decompress(bomb), /header block larger than 262144 bytes/);
  });

  it('reassembles frames split anywhere in the byte stream', () => {
    const bytes = Buffer.concat([dataFrame(1, 0, Buffer.from('abc')), pingFrame(7)]);
    const reader = new FrameReader();
    const frames = [...reader.push(bytes.subarray(0, 5)), ...reader.push(bytes.subarray(5, 12)), ...reader.push(bytes.subarray(12))];
    assert.deepEqual(frames.map((f) => f.kind === 'data' ? ['data', f.streamId, f.data.toString()] : ['control', f.type]), [['data', 1, 'abc'], ['control', frameType.ping]]);
  });

  it('replies to a new stream, passes data both ways with FIN, and echoes pings', async () => {
    const { client, server } = pipePair();
    const peer = clientOf(client);
    const opened: SpdyStream[] = [];
    new SpdySession(server, (stream) => {
      opened.push(stream);
      stream.on('data', (chunk: Buffer) => stream.write(Buffer.from(chunk.toString().toUpperCase())));
      stream.on('end', () => stream.end());
    });
    const block = await peer.compression.compress(encodeHeaderBlock(new Map([['streamtype', ['data']], ['port', ['80']], ['requestid', ['0']]])));
    client.write(synStreamFrame(1, 0, block));
    const [reply] = await peer.next(1);
    assert.ok(reply?.kind === 'control' && reply.type === frameType.synReply);
    assert.equal(reply.payload.readUInt32BE(0), 1);
    assert.deepEqual(decodeHeaderBlock(await peer.compression.decompress(reply.payload.subarray(4))), new Map());
    assert.equal(opened[0]?.header('streamType'), 'data');
    assert.equal(opened[0]?.header('port'), '80');

    client.write(dataFrame(1, 0, Buffer.from('hi')));
    client.write(dataFrame(1, flagFin, Buffer.alloc(0)));
    client.write(pingFrame(5));
    const frames = await peer.next(3);
    const described = frames.map((f) => (f.kind === 'data' ? `data ${f.streamId} ${f.data.toString()} fin=${f.flags & flagFin}` : `control ${f.type} ${f.payload.readUInt32BE(0)}`));
    assert.deepEqual(described.sort(), ['control 6 5', 'data 1  fin=1', 'data 1 HI fin=0']);
  });

  it('resets data for an unknown stream and a stream id that goes backwards', async () => {
    const { client, server } = pipePair();
    const peer = clientOf(client);
    new SpdySession(server, () => undefined);
    client.write(dataFrame(9, 0, Buffer.from('x')));
    const [reset] = await peer.next(1);
    assert.ok(reset?.kind === 'control' && reset.type === frameType.rstStream);
    assert.deepEqual([reset.payload.readUInt32BE(0), reset.payload.readUInt32BE(4)], [9, 2]);
    client.write(synStreamFrame(2, 0, await peer.compression.compress(encodeHeaderBlock(new Map()))));
    const [refused] = await peer.next(1);
    assert.ok(refused?.kind === 'control' && refused.type === frameType.rstStream);
    assert.deepEqual([refused.payload.readUInt32BE(0), refused.payload.readUInt32BE(4)], [2, 1]);
  });

  it('closes the streams when the peer resets one or breaks the framing', async () => {
    const { client, server } = pipePair();
    const peer = clientOf(client);
    const opened: SpdyStream[] = [];
    const session = new SpdySession(server, (stream) => opened.push(stream));
    let closed = false;
    session.onClose(() => (closed = true));
    client.write(synStreamFrame(1, 0, await peer.compression.compress(encodeHeaderBlock(new Map([['streamtype', ['error']]])))));
    client.write(synStreamFrame(3, 0, await peer.compression.compress(encodeHeaderBlock(new Map([['streamtype', ['data']]])))));
    await peer.next(2);
    client.write(rstStreamFrame(1, 5));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(opened[0]?.destroyed, true);
    assert.equal(opened[1]?.destroyed, false);
    // SPDY version 2 is not spoken: the session ends.
    client.write(Buffer.concat([Buffer.from([0x80, 0x02]), controlFrame(frameType.ping, 0, Buffer.alloc(4)).subarray(2)]));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(closed, true);
    assert.equal(opened[1]?.destroyed, true);
  });
});
