/** Protocol buffers wire format: a reader over one message's bytes. */

export class WireError extends Error {}

export interface WireField {
  number: number;
  wireType: 0 | 1 | 2 | 5;
  /** Varints and fixed numbers as bigint; length-delimited fields as bytes. */
  value: bigint | Uint8Array;
}

export class WireReader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.bytes.length) throw new WireError('unexpected end of protobuf data in a varint');
      const byte = this.bytes[this.offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new WireError('protobuf varint is longer than 10 bytes');
  }

  private take(length: number): Uint8Array {
    if (length < 0 || this.offset + length > this.bytes.length) throw new WireError('protobuf field runs past the end of the message');
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  field(): WireField {
    const tag = this.varint();
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (number <= 0) throw new WireError(`invalid protobuf field number ${number}`);
    switch (wireType) {
      case 0: return { number, wireType, value: this.varint() };
      case 1: return { number, wireType, value: new DataView(this.take(8).slice().buffer).getBigUint64(0, true) };
      case 2: return { number, wireType, value: this.take(Number(this.varint())) };
      case 5: return { number, wireType, value: BigInt(new DataView(this.take(4).slice().buffer).getUint32(0, true)) };
      default: throw new WireError(`unsupported protobuf wire type ${wireType}`);
    }
  }

  /** Every field of the message in order. */
  fields(): WireField[] {
    const out: WireField[] = [];
    while (!this.done) out.push(this.field());
    return out;
  }
}
