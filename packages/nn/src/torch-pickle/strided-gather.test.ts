import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { halfBitsToNumber, widenBf16, widenF16 } from "./half-widen.js";
import { gatherStrided, isContiguous, lastIndex } from "./strided-gather.js";

/** Element indices of a strided view in row-major order, computed the obvious way. */
function naive(offset: number, size: number[], stride: number[]): number[] {
  const out: number[] = [];
  const rec = (d: number, at: number) => {
    if (d === size.length) return void out.push(at);
    for (let i = 0; i < size[d]!; i++) rec(d + 1, at + i * stride[d]!);
  };
  rec(0, offset);
  return out;
}

describe("gatherStrided", () => {
  test("matches the naive index computation for any view (widths 1 and 2)", () => {
    const view = fc.integer({ min: 0, max: 4 }).chain((rank) =>
      fc.record({
        size: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: rank, maxLength: rank }),
        stride: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: rank, maxLength: rank }),
        offset: fc.integer({ min: 0, max: 5 }),
        width: fc.constantFrom(1, 2),
      }),
    );
    fc.assert(
      fc.property(view, ({ size, stride, offset, width }) => {
        const idx = naive(offset, size, stride);
        const n = (lastIndex(offset, size, stride) ?? 0) + 1;
        const src = Int32Array.from({ length: n * width }, (_, i) => i);
        const out = gatherStrided(src, width, offset, size, stride, new Int32Array(idx.length * width));
        expect(Array.from(out)).toEqual(idx.flatMap((i) => (width === 1 ? [i] : [2 * i, 2 * i + 1])));
        if (isContiguous(size, stride) && idx.length > 0) expect(idx).toEqual(idx.map((_, k) => offset + k));
      }),
      { numRuns: 500 },
    );
  });

  test("isContiguous ignores size-1 dims and rejects transposes", () => {
    expect(isContiguous([2, 3], [3, 1])).toBe(true);
    expect(isContiguous([2, 1, 3], [3, 99, 1])).toBe(true);
    expect(isContiguous([3, 2], [1, 3])).toBe(false);
    expect(isContiguous([], [])).toBe(true);
  });
});

describe("half widening", () => {
  test("float16: normals, subnormals, zeros, infinities, NaN", () => {
    const bits = Uint16Array.from([0x3c00, 0xc000, 0x0001, 0x03ff, 0x0000, 0x8000, 0x7c00, 0xfc00, 0x7bff, 0x7e00]);
    const out = Array.from(widenF16(bits));
    expect(out.slice(0, 9)).toEqual([1, -2, 2 ** -24, 1023 * 2 ** -24, 0, -0, Infinity, -Infinity, 65504]);
    expect(out[9]).toBeNaN();
    expect(Object.is(halfBitsToNumber(0x8000), -0)).toBe(true);
  });

  test("bfloat16 is the top half of a float32", () => {
    expect(Array.from(widenBf16(Uint16Array.from([0x3f80, 0xc060, 0x7f80])))).toEqual([1, -3.5, Infinity]);
  });
});
