import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bf16ArrayToF32,
  bf16ToF32,
  bitsToF32,
  f16ArrayToF32,
  f16ToF32,
  f32ArrayToBf16,
  f32ArrayToF16,
  f32ToBf16,
  f32ToBits,
  f32ToF16,
} from "./half.js";

/** Nearest-even rounding by brute force over the two neighbouring encodings (independent of half.ts' bit tricks). */
function nearestEven(x: number, toNumber: (bits: number) => number, encodeTrunc: number): number {
  // encodeTrunc and encodeTrunc + 1 bracket x (same sign); pick the nearer, ties to even bits.
  const a = toNumber(encodeTrunc);
  const b = toNumber(encodeTrunc + 1);
  const da = Math.abs(x - a);
  const db = Math.abs(b - x);
  if (da < db) return encodeTrunc;
  if (db < da) return encodeTrunc + 1;
  return (encodeTrunc & 1) === 0 ? encodeTrunc : encodeTrunc + 1;
}

/** Largest-magnitude half encoding whose value's magnitude is <= |x| (x finite, |x| < 65520), with x's sign. */
function truncHalf(x: number): number {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  let lo = 0;
  let hi = 0x7bff;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (f16ToF32(mid) <= Math.abs(x)) lo = mid;
    else hi = mid - 1;
  }
  return sign | lo;
}

describe("half (binary16)", () => {
  it("decodes hand-checked bit patterns", () => {
    expect(f16ToF32(0x3c00)).toBe(1);
    expect(f16ToF32(0xbc00)).toBe(-1);
    expect(f16ToF32(0x4000)).toBe(2);
    expect(f16ToF32(0x3555)).toBe(0.333251953125);
    expect(f16ToF32(0x7bff)).toBe(65504);
    expect(f16ToF32(0x0400)).toBe(2 ** -14); // smallest normal
    expect(f16ToF32(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(f16ToF32(0x03ff)).toBe(1023 * 2 ** -24); // largest subnormal
    expect(f16ToF32(0x8001)).toBe(-(2 ** -24));
    expect(f16ToF32(0x7c00)).toBe(Infinity);
    expect(f16ToF32(0xfc00)).toBe(-Infinity);
    expect(f16ToF32(0x7e00)).toBeNaN();
    expect(f16ToF32(0x7c01)).toBeNaN();
    expect(Object.is(f16ToF32(0x8000), -0)).toBe(true);
    expect(Object.is(f16ToF32(0x0000), 0)).toBe(true);
  });

  it("encodes hand-checked values with round-to-nearest-even", () => {
    expect(f32ToF16(1)).toBe(0x3c00);
    expect(f32ToF16(-2)).toBe(0xc000);
    expect(f32ToF16(65504)).toBe(0x7bff);
    expect(f32ToF16(65519)).toBe(0x7bff); // below the midpoint to 65536
    expect(f32ToF16(65520)).toBe(0x7c00); // midpoint rounds to even: infinity
    expect(f32ToF16(1e10)).toBe(0x7c00);
    expect(f32ToF16(-Infinity)).toBe(0xfc00);
    expect(f32ToF16(NaN) & 0x7c00).toBe(0x7c00);
    expect(f32ToF16(NaN) & 0x03ff).not.toBe(0);
    expect(f32ToF16(2 ** -24)).toBe(0x0001);
    expect(f32ToF16(2 ** -25)).toBe(0x0000); // tie between 0 and 2^-24: even is 0
    expect(f32ToF16(2 ** -25 * 1.5)).toBe(0x0001);
    expect(f32ToF16(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 subnormal ulps: even is 2
    expect(f32ToF16(-0)).toBe(0x8000);
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00); // tie: even mantissa
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie: rounds up to even
    expect(f32ToF16(2 ** -14 - 2 ** -25)).toBe(0x0400); // largest subnormal + half ulp rounds to smallest normal
  });

  it("rounds a float64 once (no double rounding through float32)", () => {
    const x = 1 + 2 ** -11 + 2 ** -40; // just above a half midpoint; float32 would round it onto the midpoint
    expect(Math.fround(x)).toBe(1 + 2 ** -11);
    expect(f32ToF16(x)).toBe(0x3c01);
    expect(f32ArrayToF16(new Float64Array([x]))[0]).toBe(0x3c01);
    expect(f32ArrayToF16(new Float32Array([x]))[0]).toBe(0x3c00); // float32 input is already rounded
  });

  it("round-trips all 65536 bit patterns (NaNs stay NaN)", () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const wide = f16ArrayToF32(all);
    const back = f32ArrayToF16(wide);
    for (let h = 0; h < 65536; h++) {
      expect(wide[h]).toBe(f16ToF32(h));
      if (Number.isNaN(wide[h])) expect(back[h]! & 0x7c00).toBe(0x7c00);
      else if (back[h] !== h) expect.fail(`0x${h.toString(16)} came back as 0x${back[h]!.toString(16)}`);
    }
  });

  it("rounds random float32 values to the nearest half, ties to even", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.float({ noNaN: true, min: -65519, max: 65519 }),
          // every float32 bit pattern below 65520 in magnitude, either sign: all exponents equally likely
          fc.tuple(fc.integer({ min: 0, max: 0x477fefff }), fc.boolean()).map(([b, neg]) => bitsToF32(b) * (neg ? -1 : 1)),
        ),
        (x) => f32ToF16(x) === nearestEven(x, f16ToF32, truncHalf(x)),
      ),
      { numRuns: 20000 },
    );
  });

  it("keeps random halves exact through float32 and back", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (h) => {
        const x = f16ToF32(h);
        return Number.isNaN(x) || f32ToF16(x) === h;
      }),
    );
  });

  it("bulk conversions write at an offset and reject short outputs", () => {
    const out = new Float32Array(4);
    f16ArrayToF32(new Uint16Array([0x3c00, 0x4000]), out, 2);
    expect([...out]).toEqual([0, 0, 1, 2]);
    expect(() => f16ArrayToF32(new Uint16Array(3), out, 2)).toThrow(/no room/);
  });
});

describe("bfloat16", () => {
  it("decodes hand-checked bit patterns", () => {
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(bf16ToF32(0xbf80)).toBe(-1);
    expect(bf16ToF32(0x4049)).toBe(3.140625);
    expect(bf16ToF32(0x7f80)).toBe(Infinity);
    expect(bf16ToF32(0xff80)).toBe(-Infinity);
    expect(bf16ToF32(0x7fc0)).toBeNaN();
    expect(bf16ToF32(0x0001)).toBe(2 ** -133); // smallest subnormal
    expect(bf16ToF32(0x7f7f)).toBe(bitsToF32(0x7f7f0000)); // largest finite
  });

  it("encodes with round-to-nearest-even", () => {
    expect(f32ToBf16(1)).toBe(0x3f80);
    expect(f32ToBf16(Math.PI)).toBe(0x4049);
    expect(f32ToBf16(bitsToF32(0x3f808000))).toBe(0x3f80); // tie: even
    expect(f32ToBf16(bitsToF32(0x3f818000))).toBe(0x3f82); // tie: even (up)
    expect(f32ToBf16(bitsToF32(0x3f808001))).toBe(0x3f81); // above the tie
    expect(f32ToBf16(bitsToF32(0x7f7fffff))).toBe(0x7f80); // max float32 rounds to infinity
    expect(f32ToBf16(NaN) & 0x7f80).toBe(0x7f80);
    expect(f32ToBf16(NaN) & 0x7f).not.toBe(0);
    expect(f32ToBf16(bitsToF32(0x7f800001)) & 0x7f).not.toBe(0); // a NaN whose payload is in the low bits stays NaN
    expect(f32ToBf16(-0)).toBe(0x8000);
  });

  it("rounds random float32 values to the nearest bfloat16", () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const trunc = f32ToBits(x) >>> 16;
        if ((trunc & 0x7f80) === 0x7f80) return true; // x is infinite
        const next = bf16ToF32(trunc + 1);
        if (!Number.isFinite(next)) {
          // Above the largest finite bfloat16: the rounding boundary to infinity is (2 - 2^-8) * 2^127.
          const toInfinity = Math.abs(x) >= (2 - 2 ** -8) * 2 ** 127;
          return f32ToBf16(x) === (toInfinity ? trunc + 1 : trunc);
        }
        return f32ToBf16(x) === nearestEven(x, bf16ToF32, trunc);
      }),
      { numRuns: 20000 },
    );
  });

  it("round-trips all 65536 bit patterns", () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = f32ArrayToBf16(bf16ArrayToF32(all));
    for (let b = 0; b < 65536; b++) {
      if (Number.isNaN(bf16ToF32(b))) expect(back[b]! & 0x7f80).toBe(0x7f80);
      else if (back[b] !== b) expect.fail(`0x${b.toString(16)} came back as 0x${back[b]!.toString(16)}`);
    }
  });
});
