/**
 * IEEE 754 half precision (binary16, safetensors `F16`) and bfloat16 (`BF16`) conversions.
 *
 * Every half and bfloat16 value is exactly representable as a float32, so widening is exact. Narrowing rounds
 * to nearest, ties to even, as PyTorch and NumPy do; NaN stays NaN (quiet, sign kept) and overflow becomes
 * infinity. Values are passed around as their raw 16-bit patterns (numbers 0..0xffff).
 */

// Scratch views for reinterpreting one float32 as its bits and back.
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** The bit pattern of `x` rounded to float32. */
export function f32ToBits(x: number): number {
  scratchF32[0] = x;
  return scratchU32[0]!;
}

/** The float32 whose bit pattern is `bits`. */
export function bitsToF32(bits: number): number {
  scratchU32[0] = bits >>> 0;
  return scratchF32[0]!;
}

/** float32 bits of the half with bit pattern `h` (exact). */
function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0; // inf, NaN (payload kept)
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0; // normal: rebias 15 -> 127
  if (mant === 0) return sign >>> 0; // signed zero
  // Subnormal half: value = mant * 2^-24; normalise so the leading 1 becomes the implicit bit.
  let e = 113; // float32 biased exponent of 2^-14 (the half's smallest normal exponent)
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/** Half bits of the float32 with bit pattern `x`, rounded to nearest even. */
function f32BitsToF16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13); // inf; NaN made quiet
  const hexp = exp - 112; // half biased exponent
  if (hexp >= 0x1f) return sign | 0x7c00; // too large even before rounding
  if (hexp <= 0) {
    // Result is a half subnormal (or zero): value / 2^-24, rounded.
    if (hexp < -10) return sign; // below half the smallest subnormal: rounds to zero
    const full = mant | 0x800000;
    const shift = 14 - hexp; // 14..24
    let m = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (m & 1) === 1)) m++; // may carry into the smallest normal: correct
    return sign | m;
  }
  let h = sign | (hexp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++; // a carry may reach the exponent, even infinity
  return h;
}

/** bfloat16 bits of the float32 with bit pattern `x`, rounded to nearest even. */
function f32BitsToBf16Bits(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) | 0x40) & 0xffff; // quiet NaN
  // Adding 0x7fff plus the kept LSB rounds half to even; overflow of the max finite rounds to infinity.
  return ((x >>> 0) + 0x7fff + ((x >>> 16) & 1)) >>> 16;
}

/** float32 bits of the bfloat16 with bit pattern `b` (exact: bfloat16 is the top half of a float32). */
function bf16BitsToF32Bits(b: number): number {
  return ((b & 0xffff) << 16) >>> 0;
}

/**
 * The float32 bits of `x` rounded to float32 with round-to-odd. Rounding this again to a format with at
 * most 22 significand bits (half: 11, bfloat16: 8) equals rounding `x` directly, which avoids the double
 * rounding error of going float64 -> float32 -> half with round-to-nearest twice.
 */
function f64ToF32BitsRoundToOdd(x: number): number {
  let bits = f32ToBits(x);
  const f = bitsToF32(bits);
  if (f !== x && !Number.isNaN(x) && (bits & 1) === 0) {
    // x lies strictly between f and its neighbour toward x; of two adjacent floats one has odd bits.
    bits = Math.abs(x) > Math.abs(f) ? bits + 1 : bits - 1;
  }
  return bits >>> 0;
}

/** Half bits of a JS number (any double), rounded to nearest even. */
export function f32ToF16(x: number): number {
  return f32BitsToF16Bits(f64ToF32BitsRoundToOdd(x));
}

/** The number a half bit pattern stands for. */
export function f16ToF32(h: number): number {
  return bitsToF32(f16BitsToF32Bits(h));
}

/** bfloat16 bits of a JS number (any double), rounded to nearest even. */
export function f32ToBf16(x: number): number {
  return f32BitsToBf16Bits(f64ToF32BitsRoundToOdd(x));
}

/** The number a bfloat16 bit pattern stands for. */
export function bf16ToF32(b: number): number {
  return bitsToF32(bf16BitsToF32Bits(b));
}

// Widening table: 65536 float32 bit patterns (256 KiB), built on first use; one lookup per element.
let f16Table: Uint32Array | undefined;

function halfTable(): Uint32Array {
  if (!f16Table) {
    f16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToF32Bits(h);
  }
  return f16Table;
}

function checkRoom(what: string, need: number, out: { length: number }, offset: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + need > out.length) {
    throw new Error(`${what}: output of length ${out.length} has no room for ${need} values at offset ${offset}`);
  }
}

/** Widens half bit patterns to float32 values, into `out` at `offset` (a new array when omitted). */
export function f16ArrayToF32(src: Uint16Array, out?: Float32Array, offset = 0): Float32Array {
  const dst = out ?? new Float32Array(src.length);
  checkRoom("f16ArrayToF32", src.length, dst, offset);
  const bits = new Uint32Array(dst.buffer, dst.byteOffset + offset * 4, src.length);
  const table = halfTable();
  for (let i = 0; i < src.length; i++) bits[i] = table[src[i]!]!;
  return dst;
}

/** Widens bfloat16 bit patterns to float32 values, into `out` at `offset` (a new array when omitted). */
export function bf16ArrayToF32(src: Uint16Array, out?: Float32Array, offset = 0): Float32Array {
  const dst = out ?? new Float32Array(src.length);
  checkRoom("bf16ArrayToF32", src.length, dst, offset);
  const bits = new Uint32Array(dst.buffer, dst.byteOffset + offset * 4, src.length);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  return dst;
}

/** Rounds values to half bit patterns (nearest even). Float64 input is rounded once, not via float32. */
export function f32ArrayToF16(src: Float32Array | Float64Array, out?: Uint16Array, offset = 0): Uint16Array {
  const dst = out ?? new Uint16Array(src.length);
  checkRoom("f32ArrayToF16", src.length, dst, offset);
  if (src instanceof Float32Array) {
    const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
    for (let i = 0; i < src.length; i++) dst[offset + i] = f32BitsToF16Bits(bits[i]!);
  } else {
    for (let i = 0; i < src.length; i++) dst[offset + i] = f32ToF16(src[i]!);
  }
  return dst;
}

/** Rounds values to bfloat16 bit patterns (nearest even). Float64 input is rounded once, not via float32. */
export function f32ArrayToBf16(src: Float32Array | Float64Array, out?: Uint16Array, offset = 0): Uint16Array {
  const dst = out ?? new Uint16Array(src.length);
  checkRoom("f32ArrayToBf16", src.length, dst, offset);
  if (src instanceof Float32Array) {
    const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
    for (let i = 0; i < src.length; i++) dst[offset + i] = f32BitsToBf16Bits(bits[i]!);
  } else {
    for (let i = 0; i < src.length; i++) dst[offset + i] = f32ToBf16(src[i]!);
  }
  return dst;
}
