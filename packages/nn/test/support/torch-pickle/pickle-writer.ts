/**
 * Test helper: a minimal pickle writer that emits opcodes as CPython's protocol-2 pickler does (BININT1/2,
 * BININT, LONG1, BINUNICODE, TUPLE1-3, MARK ... SETITEMS, BINPUT after each container and global). Used to
 * build checkpoints, malformed pickles and malicious ones without PyTorch.
 */
import { OP } from "../../../src/torch-pickle/pickle/opcodes.js";

/** Builds a pickle byte stream opcode by opcode. */
export class PickleWriter {
  private readonly parts: number[] = [];
  private nextMemo = 0;

  /** Appends raw bytes. */
  raw(...bytes: number[]): this {
    for (const b of bytes) this.parts.push(b & 0xff);
    return this;
  }

  private u32(v: number): this {
    return this.raw(v, v >>> 8, v >>> 16, v >>> 24);
  }

  /** One opcode with no argument. */
  op(code: number): this {
    return this.raw(code);
  }

  /** PROTO v. */
  proto(v = 2): this {
    return this.raw(OP.PROTO, v);
  }

  /** An int with the smallest encoding CPython would choose. */
  int(v: number | bigint): this {
    const n = BigInt(v);
    if (n >= 0n && n < 256n) return this.raw(OP.BININT1, Number(n));
    if (n >= 0n && n < 65536n) return this.raw(OP.BININT2, Number(n), Number(n) >>> 8);
    if (n >= -(2n ** 31n) && n < 2n ** 31n) return this.op(OP.BININT).u32(Number(BigInt.asUintN(32, n)));
    const bytes: number[] = [];
    let x = n;
    do {
      bytes.push(Number(BigInt.asUintN(8, x)));
      x >>= 8n;
    } while (!(x === 0n && bytes[bytes.length - 1]! < 0x80) && !(x === -1n && bytes[bytes.length - 1]! >= 0x80));
    return this.raw(OP.LONG1, bytes.length, ...bytes);
  }

  /** BINFLOAT. */
  float(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, false);
    return this.raw(OP.BINFLOAT, ...b);
  }

  /** BINUNICODE (memoized like CPython does with BINPUT). */
  str(s: string, memo = true): this {
    const bytes = new TextEncoder().encode(s);
    this.op(OP.BINUNICODE).u32(bytes.length).raw(...bytes);
    return memo ? this.put() : this;
  }

  /** SHORT_BINBYTES / BINBYTES. */
  bytes(b: Uint8Array): this {
    if (b.length < 256) return this.raw(OP.SHORT_BINBYTES, b.length, ...b);
    return this.op(OP.BINBYTES).u32(b.length).raw(...b);
  }

  /** NONE. */
  none(): this {
    return this.op(OP.NONE);
  }

  /** NEWTRUE / NEWFALSE. */
  bool(v: boolean): this {
    return this.op(v ? OP.NEWTRUE : OP.NEWFALSE);
  }

  /** GLOBAL module\nname\n (memoized). */
  global(module: string, name: string, memo = true): this {
    this.op(OP.GLOBAL).raw(...new TextEncoder().encode(`${module}\n${name}\n`));
    return memo ? this.put() : this;
  }

  /** BINPUT / LONG_BINPUT with the next memo index; returns this. */
  put(): this {
    const i = this.nextMemo++;
    return i < 256 ? this.raw(OP.BINPUT, i) : this.op(OP.LONG_BINPUT).u32(i);
  }

  /** The memo index the last `put()` used. */
  get lastMemo(): number {
    return this.nextMemo - 1;
  }

  /** BINGET / LONG_BINGET. */
  get(i: number): this {
    return i < 256 ? this.raw(OP.BINGET, i) : this.op(OP.LONG_BINGET).u32(i);
  }

  /** MARK. */
  mark(): this {
    return this.op(OP.MARK);
  }

  /** Closes a tuple of `n` items already written (TUPLE1-3, or TUPLE after a MARK written by the caller). */
  tupleOf(n: number): this {
    if (n === 0) return this.op(OP.EMPTY_TUPLE);
    if (n <= 3) return this.op([OP.TUPLE1, OP.TUPLE2, OP.TUPLE3][n - 1]!);
    return this.op(OP.TUPLE);
  }

  /** STOP; returns the bytes. */
  stop(): Uint8Array {
    this.op(OP.STOP);
    return Uint8Array.from(this.parts);
  }

  /** The bytes so far (no STOP added). */
  bytesSoFar(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}
