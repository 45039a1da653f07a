import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { f16round, fromFloat16Bits, nextDown, roundTo, toFloat16Bits, unit11, unit24, unit32, unit32Open, unit53, unit53Open } from "./floats.js";

describe("word to unit-float conversions", () => {
  it("span [0, 1) (or (0, 1] for the open forms) with exact dtype values", () => {
    expect(unit24(0)).toBe(0);
    expect(unit24(0xffffffff)).toBe(1 - 2 ** -24);
    expect(Math.fround(unit24(0xffffffff))).toBe(1 - 2 ** -24);
    expect(unit11(0xffffffff)).toBe(1 - 2 ** -11);
    expect(unit32(0xffffffff)).toBe(1 - 2 ** -32);
    expect(unit32Open(0)).toBe(2 ** -32);
    expect(unit32Open(0xffffffff)).toBe(1);
    expect(unit53(0xffffffff, 0xffffffff)).toBe(1 - 2 ** -53);
    expect(unit53(0, 0)).toBe(0);
    expect(unit53Open(0, 0)).toBe(2 ** -53);
    expect(unit53Open(0xffffffff, 0xffffffff)).toBe(1);
    expect(unit53(0x80000000, 0)).toBe(0.5);
  });
});

describe("float16 rounding", () => {
  it("matches known binary16 patterns", () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65520, 0x7c00],
      [65519.99, 0x7bff],
      [Infinity, 0x7c00],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000], // tie to even (0)
      [3 * 2 ** -25, 0x0002], // tie to even (2)
      [2 ** -14, 0x0400],
      [1 / 3, 0x3555],
      [0.1, 0x2e66],
      [1 + 2 ** -11, 0x3c00], // tie to even
      [1 + 3 * 2 ** -11, 0x3c02],
    ];
    for (const [x, h] of cases) expect(toFloat16Bits(x)).toBe(h);
    expect(Number.isNaN(f16round(NaN))).toBe(true);
  });

  it("round-trips every finite pattern and rounds to a nearest neighbour", () => {
    for (let h = 0; h < 0x7c00; h++) {
      expect(toFloat16Bits(fromFloat16Bits(h))).toBe(h);
      expect(toFloat16Bits(fromFloat16Bits(h | 0x8000))).toBe(h | 0x8000);
    }
    fc.assert(
      fc.property(fc.double({ min: -65504, max: 65504, noNaN: true }), (x) => {
        const r = f16round(x);
        const below = nextDown("float16", r);
        const above = -nextDown("float16", -r);
        return Math.abs(r - x) <= Math.abs(below - x) && Math.abs(r - x) <= Math.abs(above - x);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("nextDown", () => {
  it("steps one value down in each dtype", () => {
    expect(nextDown("float64", 1)).toBe(1 - 2 ** -53);
    expect(nextDown("float32", 1)).toBe(1 - 2 ** -24);
    expect(nextDown("float16", 1)).toBe(1 - 2 ** -11);
    expect(nextDown("float32", -1)).toBe(-(1 + 2 ** -23));
    expect(nextDown("float16", 0)).toBe(-(2 ** -24));
    expect(nextDown("float32", 0)).toBe(-(2 ** -149));
    expect(nextDown("float64", 0)).toBe(-Number.MIN_VALUE);
    expect(roundTo("float32", nextDown("float32", 3.5))).toBeLessThan(3.5);
  });
});
