/**
 * A growable byte sink with the WebAssembly binary encodings: unsigned and signed LEB128, IEEE floats,
 * UTF-8 names and length-prefixed vectors.
 */
export class ByteWriter {
  private buf: Uint8Array<ArrayBuffer> = new Uint8Array(256);
  private len = 0;

  /** Number of bytes written so far. */
  get length(): number {
    return this.len;
  }

  private reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Appends one byte (0..255). */
  u8(b: number): this {
    this.reserve(1);
    this.buf[this.len++] = b & 0xff;
    return this;
  }

  /** Appends raw bytes. */
  bytes(src: ArrayLike<number>): this {
    this.reserve(src.length);
    for (let i = 0; i < src.length; i++) this.buf[this.len++] = src[i]! & 0xff;
    return this;
  }

  /** Appends an unsigned LEB128 integer (u32 range). */
  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`u32 out of range: ${v}`);
    let x = v >>> 0;
    do {
      let byte = x & 0x7f;
      x >>>= 7;
      if (x !== 0) byte |= 0x80;
      this.u8(byte);
    } while (x !== 0);
    return this;
  }

  /** Appends a signed LEB128 integer (i32 range). */
  s32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) throw new RangeError(`i32 out of range: ${v}`);
    let x = v | 0;
    for (;;) {
      const byte = x & 0x7f;
      x >>= 7;
      const done = (x === 0 && (byte & 0x40) === 0) || (x === -1 && (byte & 0x40) !== 0);
      this.u8(done ? byte : byte | 0x80);
      if (done) return this;
    }
  }

  /** Appends a little-endian IEEE-754 single. */
  f32(v: number): this {
    const tmp = new Uint8Array(new Float32Array([v]).buffer);
    return this.bytes(tmp);
  }

  /** Appends a length-prefixed UTF-8 name. */
  name(s: string): this {
    const enc = new TextEncoder().encode(s);
    this.u32(enc.length);
    return this.bytes(enc);
  }

  /** Appends another writer's bytes prefixed by their length (a section or function body). */
  sized(inner: ByteWriter): this {
    this.u32(inner.length);
    return this.bytes(inner.finish());
  }

  /** The bytes written, as a fresh array. */
  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.len);
  }
}
