import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { headerDictionary } from './dictionary.js';

/** A header block larger than this once expanded ends the session (a zlib bomb, or no SPDY peer). */
const maxHeaderBlock = 256 * 1024;

/**
 * SPDY compresses every header block of a session, in each direction, as one zlib stream with
 * the SPDY dictionary, sync-flushed after each block. Calls on one direction must not overlap:
 * the session serialises them.
 */
export class HeaderCompression {
  private readonly deflate = new Direction(createDeflate({ dictionary: headerDictionary }));
  private readonly inflate = new Direction(createInflate({ dictionary: headerDictionary }));

  compress(block: Buffer): Promise<Buffer> {
    return this.deflate.pass(block);
  }

  decompress(block: Buffer): Promise<Buffer> {
    return this.inflate.pass(block);
  }

  close(): void {
    this.deflate.close();
    this.inflate.close();
  }
}

/**
 * One zlib stream kept flowing into a per-block collector: output is taken as it comes (so a
 * block larger than the stream's buffer cannot stall the flush), and what is still buffered
 * when the flush completes is drained through the same listener before the block resolves.
 */
class Direction {
  private collected: Buffer[] = [];
  private size = 0;
  /** Once set, the stream is unusable: the session gets this for every later block. */
  private failure?: Error;

  constructor(private readonly stream: Deflate | Inflate) {
    stream.on('data', (chunk: Buffer) => {
      this.collected.push(chunk);
      this.size += chunk.length;
      if (this.size > maxHeaderBlock) this.fail(new Error(`header block larger than ${maxHeaderBlock} bytes`));
    });
    stream.on('error', (error: Error) => this.fail(error));
  }

  pass(input: Buffer): Promise<Buffer> {
    this.collected = [];
    this.size = 0;
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        if (this.failure) reject(new Error(`SPDY header block: ${this.failure.message}`));
        else resolve(Buffer.concat(this.collected));
      };
      if (this.failure) return settle();
      // A destroyed stream never calls back: its closing settles the block.
      this.stream.once('close', settle);
      this.stream.write(input);
      this.stream.flush(constants.Z_SYNC_FLUSH, () => {
        this.stream.removeListener('close', settle);
        // In flowing mode read() hands buffered output to the 'data' listener.
        while (!this.failure && this.stream.read() !== null);
        settle();
      });
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.stream.destroy();
  }

  close(): void {
    this.stream.destroy();
  }
}
