/**
 * Conversions from random words to floats, and float rounding for the three float dtypes, so host samples
 * are exactly representable in the dtype they are uploaded as (no rounding on the device can move them).
 */

/** Float dtypes the samplers produce. */
export type SampleFloatDType = "float32" | "float64" | "float16";

const TWO_M24 = 2 ** -24;
const TWO_M32 = 2 ** -32;
const TWO_M53 = 2 ** -53;
const TWO_26 = 2 ** 26;

/** A float in [0, 1) from the top 24 bits of a word: every value is exact in float32. */
export function unit24(word: number): number {
  return (word >>> 8) * TWO_M24;
}

/** A float in [0, 1) from the top 11 bits of a word: every value is exact in float16. */
export function unit11(word: number): number {
  return (word >>> 21) * 2 ** -11;
}

/** A double in [0, 1) from all 32 bits of a word. */
export function unit32(word: number): number {
  return word * TWO_M32;
}

/** A double in (0, 1] from all 32 bits of a word (safe to take the log of). */
export function unit32Open(word: number): number {
  return (word + 1) * TWO_M32;
}

/** A double in [0, 1) from 53 bits: the top 27 bits of `hi` and the top 26 bits of `lo`. */
export function unit53(hi: number, lo: number): number {
  return ((hi >>> 5) * TWO_26 + (lo >>> 6)) * TWO_M53;
}

/** A double in (0, 1] from 53 bits (safe to take the log of). */
export function unit53Open(hi: number, lo: number): number {
  return ((hi >>> 5) * TWO_26 + (lo >>> 6) + 1) * TWO_M53;
}

/** Rounds half to even, for values whose integer part is exact. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The IEEE binary16 bit pattern nearest to `x` (round half to even; overflow gives infinity). */
export function toFloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  // 65520 is halfway between 65504 (the largest float16) and 65536; ties go to the even pattern, infinity.
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundHalfEven(a / 2 ** -24); // subnormal; 1024 rounds up into the normals
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven(a / 2 ** (e - 10));
  if (m === 2048) {
    m = 1024;
    e++;
  }
  return sign | ((e + 15) << 10) | (m - 1024);
}

/** The value of an IEEE binary16 bit pattern. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

/** `x` rounded to the nearest float16 value (what `Math.f16round` does on newer engines). */
export function f16round(x: number): number {
  return fromFloat16Bits(toFloat16Bits(x));
}

/** `x` rounded to the nearest value of `dtype`. */
export function roundTo(dtype: SampleFloatDType, x: number): number {
  if (dtype === "float32") return Math.fround(x);
  if (dtype === "float16") return f16round(x);
  return x;
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The largest value of `dtype` below `x` (a finite value of `dtype`). */
export function nextDown(dtype: SampleFloatDType, x: number): number {
  if (dtype === "float16") {
    const h = toFloat16Bits(x);
    if ((h & 0x7fff) === 0) return -(2 ** -24);
    return fromFloat16Bits(h & 0x8000 ? h + 1 : h - 1);
  }
  if (dtype === "float32") {
    if (x === 0) return -(2 ** -149);
    f32[0] = x;
    u32[0] = x > 0 ? u32[0]! - 1 : u32[0]! + 1;
    return f32[0]!;
  }
  if (x === 0) return -Number.MIN_VALUE;
  f64[0] = x;
  u64[0] = x > 0 ? u64[0]! - 1n : u64[0]! + 1n;
  return f64[0]!;
}

/** Largest finite value of `dtype`. */
export function maxFinite(dtype: SampleFloatDType): number {
  if (dtype === "float16") return 65504;
  if (dtype === "float32") return 3.4028234663852886e38;
  return Number.MAX_VALUE;
}
