/**
 * A bounds-checked reader over pickle bytes. Every read either returns the requested bytes or throws naming
 * the position, so truncated input is an error, never an out-of-range read.
 */
export class ByteCursor {
  /** Position of the next unread byte. */
  pos = 0;
  private readonly view: DataView;
  private static readonly utf8 = new TextDecoder("utf-8", { fatal: true });
  private static readonly latin1 = new TextDecoder("latin1");

  /** Reads `bytes`; `fail` turns a message into the caller's error type. */
  constructor(
    readonly bytes: Uint8Array,
    private readonly fail: (message: string) => Error,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** True when every byte has been consumed. */
  get atEnd(): boolean {
    return this.pos >= this.bytes.length;
  }

  private need(n: number, what: string): number {
    if (!Number.isSafeInteger(n) || n < 0 || this.pos + n > this.bytes.length) {
      throw this.fail(`pickle data truncated: ${what} needs ${n} bytes at byte ${this.pos}, ${this.bytes.length - this.pos} left`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** One unsigned byte. */
  u8(what: string): number {
    return this.view.getUint8(this.need(1, what));
  }

  /** Unsigned 16-bit little-endian. */
  u16(what: string): number {
    return this.view.getUint16(this.need(2, what), true);
  }

  /** Unsigned 32-bit little-endian. */
  u32(what: string): number {
    return this.view.getUint32(this.need(4, what), true);
  }

  /** Signed 32-bit little-endian. */
  i32(what: string): number {
    return this.view.getInt32(this.need(4, what), true);
  }

  /** Unsigned 64-bit little-endian, as a number; a value past 2^53 is an error (it cannot be a real length). */
  u64(what: string): number {
    const at = this.need(8, what);
    const lo = this.view.getUint32(at, true);
    const hi = this.view.getUint32(at + 4, true);
    if (hi >= 0x200000) throw this.fail(`${what} ${hi} * 2^32 + ${lo} at byte ${at} is too large`);
    return hi * 0x100000000 + lo;
  }

  /** Big-endian IEEE double (the BINFLOAT payload). */
  f64be(what: string): number {
    return this.view.getFloat64(this.need(8, what), false);
  }

  /** `n` raw bytes (a view, not a copy). */
  take(n: number, what: string): Uint8Array {
    const at = this.need(n, what);
    return this.bytes.subarray(at, at + n);
  }

  /** `n` bytes decoded as UTF-8; invalid UTF-8 is an error. */
  utf8(n: number, what: string): string {
    const at = this.pos;
    const raw = this.take(n, what);
    try {
      return ByteCursor.utf8.decode(raw);
    } catch {
      throw this.fail(`${what} at byte ${at} is not valid UTF-8`);
    }
  }

  /** Bytes up to the next newline (consumed, not returned), decoded as Latin-1 (text opcodes are ASCII). */
  line(what: string): string {
    const start = this.pos;
    const end = this.bytes.indexOf(0x0a, start);
    if (end < 0) throw this.fail(`pickle data truncated: ${what} at byte ${start} has no terminating newline`);
    this.pos = end + 1;
    return ByteCursor.latin1.decode(this.bytes.subarray(start, end));
  }
}
