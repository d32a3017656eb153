import { Duplex } from 'node:stream';
import {
  dataFrame, decodeHeaderBlock, encodeHeaderBlock, flagFin, flagUnidirectional, FrameReader, frameType, goAwayFrame, pingFrame,
  resetStatus, rstStreamFrame, synReplyFrame, type Frame, type Headers,
} from './frames.js';
import { HeaderCompression } from './header-compression.js';

/** Data frames we send are cut to this size, as spdystream does. */
const maxDataFrame = 32 * 1024;

/**
 * One stream the peer opened: a Duplex whose readable side ends at the peer's FIN and whose
 * `end()` sends ours. Destroying it before both sides finished resets it (RST_STREAM CANCEL).
 */
export class SpdyStream extends Duplex {
  private finSent = false;
  private finReceived = false;
  private reset = false;

  constructor(private readonly session: SpdySession, readonly id: number, readonly headers: Headers) {
    super({ allowHalfOpen: true });
  }

  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[0];
  }

  override _read(): void {
    // Data is pushed as frames arrive (spdystream peers use no SPDY flow control); a full
    // buffer paused the whole connection, as spdystream's blocking reads do.
    this.session.unblock(this);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.reset) return callback(new Error('stream reset'));
    const frames: Buffer[] = [];
    for (let at = 0; at < chunk.length; at += maxDataFrame) frames.push(dataFrame(this.id, 0, chunk.subarray(at, at + maxDataFrame)));
    this.session.send(Buffer.concat(frames)).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.finSent = true;
    if (this.reset) return callback();
    this.session.send(dataFrame(this.id, flagFin, Buffer.alloc(0))).then(() => {
      this.settle();
      callback();
    }, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.reset && !(this.finSent && this.finReceived)) {
      this.reset = true;
      void this.session.send(rstStreamFrame(this.id, resetStatus.cancel)).catch(() => undefined);
    }
    this.session.forget(this.id);
    this.session.unblock(this);
    callback(error);
  }

  /** Called by the session for the peer's data. */
  receive(data: Buffer, fin: boolean): void {
    if (data.length && !this.destroyed && !this.push(data)) this.session.block(this);
    if (fin && !this.finReceived) {
      this.finReceived = true;
      this.push(null);
      this.settle();
    }
  }

  /** The peer reset the stream: no frame goes back. */
  peerReset(): void {
    this.reset = true;
    // Without an error: the reader sees the stream close early, as a reset TCP peer would look.
    this.destroy();
  }

  private settle(): void {
    if (this.finSent && this.finReceived) this.session.forget(this.id);
  }
}

/**
 * The server end of a SPDY/3.1 session over a byte stream (an upgraded HTTP/1.1 connection, or
 * a WebSocket carrying the bytes in binary messages). It answers each stream the peer opens
 * with a SYN_REPLY, hands it to `onStream`, and answers pings. Frames go out in order through one
 * queue, because header blocks share one compression context.
 */
export class SpdySession {
  private readonly reader = new FrameReader();
  private readonly compression = new HeaderCompression();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly blocked = new Set<SpdyStream>();
  private outgoing: Promise<void> = Promise.resolve();
  private incoming: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private closed = false;
  private readonly closeListeners: Array<() => void> = [];

  constructor(private readonly transport: Duplex, private readonly onStream: (stream: SpdyStream) => void) {
    transport.on('data', (chunk: Buffer) => {
      this.incoming = this.incoming.then(() => this.receive(chunk)).catch((error: unknown) => this.fail(error));
    });
    transport.on('end', () => this.shutdown());
    transport.on('close', () => this.shutdown());
    transport.on('error', () => this.shutdown());
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** Queues raw frame bytes; resolves once the transport took them (or rejects if it is gone). */
  send(bytes: Buffer | (() => Promise<Buffer>)): Promise<void> {
    const next = this.outgoing.then(async () => {
      if (this.closed) throw new Error('SPDY session closed');
      const frame = typeof bytes === 'function' ? await bytes() : bytes;
      await new Promise<void>((resolve, reject) => {
        this.transport.write(frame, (error) => (error ? reject(error) : resolve()));
      });
    });
    this.outgoing = next.catch(() => undefined);
    return next;
  }

  forget(id: number): void {
    this.streams.delete(id);
  }

  /** A stream whose reader is behind: nothing more is read from the connection until it catches up. */
  block(stream: SpdyStream): void {
    this.blocked.add(stream);
    if (this.blocked.size === 1) this.transport.pause();
  }

  unblock(stream: SpdyStream): void {
    if (this.blocked.delete(stream) && this.blocked.size === 0) this.transport.resume();
  }

  /** Ends the session politely: GOAWAY, then the transport. */
  close(): void {
    if (this.closed) return;
    void this.send(goAwayFrame(this.lastStreamId)).catch(() => undefined).finally(() => {
      this.transport.end();
      this.shutdown();
    });
  }

  private async receive(chunk: Buffer): Promise<void> {
    for (const frame of this.reader.push(chunk)) await this.handle(frame);
  }

  private async handle(frame: Frame): Promise<void> {
    if (frame.kind === 'data') {
      const stream = this.streams.get(frame.streamId);
      if (stream) stream.receive(frame.data, (frame.flags & flagFin) !== 0);
      else if (frame.streamId > this.lastStreamId) void this.send(rstStreamFrame(frame.streamId, resetStatus.invalidStream)).catch(() => undefined);
      return;
    }
    const payload = frame.payload;
    switch (frame.type) {
      case frameType.synStream: {
        if (payload.length < 10) throw new Error('short SYN_STREAM frame');
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        // Header blocks go through the shared context even for a stream refused below.
        const headers = decodeHeaderBlock(await this.compression.decompress(payload.subarray(10)));
        if (id === 0 || id % 2 === 0 || id <= this.lastStreamId) {
          void this.send(rstStreamFrame(id, resetStatus.protocolError)).catch(() => undefined);
          return;
        }
        this.lastStreamId = id;
        const stream = new SpdyStream(this, id, headers);
        this.streams.set(id, stream);
        if (frame.flags & flagUnidirectional) stream.end();
        void this.send(() => this.compression.compress(encodeHeaderBlock(new Map()))
          .then((block) => synReplyFrame(id, 0, block))).catch(() => undefined);
        if (frame.flags & flagFin) stream.receive(Buffer.alloc(0), true);
        this.onStream(stream);
        return;
      }
      case frameType.rstStream: {
        if (payload.length < 8) throw new Error('short RST_STREAM frame');
        this.streams.get(payload.readUInt32BE(0) & 0x7fffffff)?.peerReset();
        return;
      }
      case frameType.ping: {
        if (payload.length < 4) throw new Error('short PING frame');
        const id = payload.readUInt32BE(0);
        // Pings we did not send (the peer's odd ids) are echoed; ours are never sent.
        if (id % 2 === 1) void this.send(pingFrame(id)).catch(() => undefined);
        return;
      }
      case frameType.goAway:
        this.transport.end();
        this.shutdown();
        return;
      case frameType.headers: {
        // Extra headers on a stream mean nothing to port forwarding, but the block must be read.
        if (payload.length >= 4) await this.compression.decompress(payload.subarray(4));
        if ((frame.flags & flagFin) !== 0) this.streams.get(payload.readUInt32BE(0) & 0x7fffffff)?.receive(Buffer.alloc(0), true);
        return;
      }
      case frameType.synReply:
        if (payload.length >= 4) await this.compression.decompress(payload.subarray(4));
        return;
      default:
        // SETTINGS, WINDOW_UPDATE and unknown types: nothing to do.
        return;
    }
  }

  /** A peer that breaks the framing loses the session. */
  private fail(error: unknown): void {
    void error;
    this.transport.destroy();
    this.shutdown();
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stream of [...this.streams.values()]) stream.peerReset();
    this.streams.clear();
    this.compression.close();
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
