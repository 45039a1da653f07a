import type { WgslComputeType } from "./dtypes.js";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The uniform words of one dispatch (shapes, strides, offsets, scalars), built in the order the kernel's
 * generated WGSL reads them (`mu(i)`, `mi(i)`, `mf(i)`).
 */
export class Params {
  private readonly words: number[] = [];

  /** Appends an unsigned word; returns its index. */
  u32(v: number): number {
    this.words.push(v >>> 0);
    return this.words.length - 1;
  }

  /** Appends a signed word; returns its index. */
  i32(v: number): number {
    return this.u32(v | 0);
  }

  /** Appends the bits of a float32; returns its index. */
  f32(v: number): number {
    f32[0] = v;
    return this.u32(u32[0]!);
  }

  /** Appends `v` as a value of compute type `t` (int32 truncates toward zero). */
  value(v: number, t: WgslComputeType): number {
    return t === "f32" ? this.f32(v) : this.i32(Number.isFinite(v) ? Math.trunc(v) : 0);
  }

  /** Appends several signed words; returns the index of the first. */
  i32s(vs: readonly number[]): number {
    const at = this.words.length;
    for (const v of vs) this.i32(v);
    return at;
  }

  /** Number of words so far. */
  get length(): number {
    return this.words.length;
  }

  /** The words as an array, padded to a multiple of four. */
  toArray(): Uint32Array {
    const out = new Uint32Array(Math.max(4, Math.ceil(this.words.length / 4) * 4));
    out.set(this.words);
    return out;
  }
}
