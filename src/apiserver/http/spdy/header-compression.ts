import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { headerDictionary } from './dictionary.js';

/**
 * SPDY compresses every header block of a session, in each direction, as one zlib stream with
 * the SPDY dictionary, sync-flushed after each block. Calls on one direction must not overlap:
 * the session serialises them.
 */
export class HeaderCompression {
  private readonly deflate: Deflate = createDeflate({ dictionary: headerDictionary });
  private readonly inflate: Inflate = createInflate({ dictionary: headerDictionary });

  compress(block: Buffer): Promise<Buffer> {
    return pass(this.deflate, block);
  }

  decompress(block: Buffer): Promise<Buffer> {
    return pass(this.inflate, block);
  }

  close(): void {
    this.deflate.destroy();
    this.inflate.destroy();
  }
}

/**
 * Feeds one block and sync-flushes. The output is read in paused mode once the flush is done,
 * so none of it can arrive after this block's promise has resolved.
 */
function pass(stream: Deflate | Inflate, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error): void => reject(new Error(`SPDY header block: ${error.message}`));
    stream.once('error', fail);
    stream.write(input);
    stream.flush(constants.Z_SYNC_FLUSH, () => {
      stream.removeListener('error', fail);
      const out: Buffer[] = [];
      for (let chunk = stream.read() as Buffer | null; chunk; chunk = stream.read() as Buffer | null) out.push(chunk);
      resolve(Buffer.concat(out));
    });
  });
}
