import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { matmulF32 } from "./matmul.js";
import { matmulF32Fallback } from "./fallback.js";
import { cpuKernelInfo } from "./info.js";
import { boundRatio, makeOperand, referenceMatmul, rng, type Layout } from "../../../../test/support/wasm-kernels.js";

interface Case {
  m: number;
  n: number;
  k: number;
  batchShape: number[];
  a: Layout;
  b: Layout;
  seed: number;
}

function run(c: Case, threads: number): { ratio: number; at: number } {
  const rand = rng(c.seed);
  const a = makeOperand(rand, c.batchShape, c.m, c.k, c.a);
  const b = makeOperand(rand, c.batchShape, c.k, c.n, c.b);
  const batch = c.batchShape.reduce((x, y) => x * y, 1);
  const outOffset = 5;
  const out = new Float32Array(outOffset + batch * c.m * c.n + 7).fill(Number.NaN);
  matmulF32(a, b, out, c.m, c.n, c.k, { batchShape: c.batchShape, outOffset, threads });
  expect(Number.isNaN(out[outOffset - 1]!)).toBe(true);
  expect(Number.isNaN(out[outOffset + batch * c.m * c.n]!)).toBe(true);
  return boundRatio(out.subarray(outOffset), referenceMatmul(a, b, c.m, c.n, c.k, c.batchShape), c.k);
}

const layoutArb = (rank: number): fc.Arbitrary<Layout> =>
  fc.record({
    transposed: fc.boolean(),
    pad: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 })),
    offset: fc.integer({ min: 0, max: 9 }),
    batchPresent: fc.array(fc.boolean(), { minLength: rank, maxLength: rank }),
    flipCols: fc.boolean(),
  });

const dim = fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 70 }));

const caseArb: fc.Arbitrary<Case> = fc
  .array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 })
  .chain((batchShape) =>
    fc.record({
      m: dim,
      n: dim,
      k: dim,
      batchShape: fc.constant(batchShape),
      a: layoutArb(batchShape.length),
      b: layoutArb(batchShape.length),
      seed: fc.integer(),
    }),
  );

describe("matmulF32 (WebAssembly SIMD)", () => {
  it("uses the wasm kernels on this host", () => {
    expect(cpuKernelInfo().wasm).toBe(true);
  });

  it("matches a float64 reference on random shapes, layouts and broadcast batches (1 thread)", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        expect(run(c, 1).ratio).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  it("handles the edges of the register tile exactly", () => {
    const plain: Layout = { transposed: false, pad: 0, offset: 0, batchPresent: [] };
    for (const m of [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17]) {
      for (const n of [1, 3, 4, 5, 15, 16, 17, 33]) {
        for (const k of [1, 2, 3, 257]) {
          expect(run({ m, n, k, batchShape: [], a: plain, b: plain, seed: m * 1000 + n * 10 + k }, 1).ratio).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it("crosses the cache blocks (k > KC, n > NC, m > MC)", () => {
    const t: Layout = { transposed: true, pad: 1, offset: 3, batchPresent: [] };
    const p: Layout = { transposed: false, pad: 0, offset: 0, batchPresent: [] };
    expect(run({ m: 131, n: 2053, k: 517, batchShape: [], a: p, b: t, seed: 7 }, 1).ratio).toBeLessThanOrEqual(1);
    expect(run({ m: 261, n: 37, k: 600, batchShape: [], a: t, b: p, seed: 8 }, 1).ratio).toBeLessThanOrEqual(1);
  });

  it("splits over threads by batch, rows and columns with the same results", () => {
    const before = cpuKernelInfo().parallelJobs;
    const p: Layout = { transposed: false, pad: 0, offset: 0, batchPresent: [true] };
    const t: Layout = { transposed: true, pad: 2, offset: 1, batchPresent: [false] };
    const cases: Case[] = [
      { m: 64, n: 65, k: 600, batchShape: [6], a: p, b: t, seed: 1 }, // batch split
      { m: 301, n: 20, k: 800, batchShape: [1], a: t, b: p, seed: 2 }, // rows
      { m: 3, n: 2001, k: 800, batchShape: [1], a: p, b: t, seed: 3 }, // columns
      { m: 157, n: 171, k: 203, batchShape: [3], a: t, b: p, seed: 4 }, // rows over a batch of 3
    ];
    for (const c of cases) {
      expect(run(c, 2).ratio).toBeLessThanOrEqual(1);
      expect(run(c, 3).ratio).toBeLessThanOrEqual(1);
    }
    if (cpuKernelInfo().sharedMemory) expect(cpuKernelInfo().parallelJobs).toBeGreaterThan(before);
  });

  it("packs B once for all row chunks of a product (batched, broadcast, transposed, odd sizes)", ({ skip }) => {
    if (!cpuKernelInfo().sharedMemory) {
      console.log("skipped: no shared memory on this host, so no threads");
      skip();
    }
    const t = (batchPresent: boolean[]): Layout => ({ transposed: true, pad: 1, offset: 2, batchPresent });
    const p = (batchPresent: boolean[]): Layout => ({ transposed: false, pad: 0, offset: 3, batchPresent });
    const cases: Case[] = [
      { m: 301, n: 37, k: 300, batchShape: [], a: p([]), b: t([]), seed: 11 }, // n not a multiple of NR
      { m: 200, n: 2053, k: 40, batchShape: [], a: t([]), b: p([]), seed: 12 }, // n > NC
      { m: 157, n: 171, k: 203, batchShape: [3], a: p([true]), b: t([true]), seed: 13 }, // one packing per entry
      { m: 157, n: 20, k: 301, batchShape: [2], a: t([true]), b: p([false]), seed: 14 }, // B broadcast: one packing
      { m: 133, n: 33, k: 600, batchShape: [], a: p([]), b: p([]), seed: 15 }, // k > KC
    ];
    for (const c of cases) {
      const before = cpuKernelInfo().sharedPackings;
      expect(run(c, 2).ratio).toBeLessThanOrEqual(1);
      expect(cpuKernelInfo().sharedPackings).toBeGreaterThan(before);
      expect(run(c, 3).ratio).toBeLessThanOrEqual(1);
    }
  });

  it("matches the reference with random shapes on several threads", () => {
    fc.assert(
      fc.property(
        fc.record({ m: fc.integer({ min: 1, max: 300 }), n: fc.integer({ min: 1, max: 300 }), k: fc.integer({ min: 100, max: 400 }), seed: fc.integer() }),
        fc.boolean(),
        fc.boolean(),
        ({ m, n, k, seed }, ta, tb) => {
          const a: Layout = { transposed: ta, pad: 0, offset: 0, batchPresent: [true] };
          const b: Layout = { transposed: tb, pad: 1, offset: 2, batchPresent: [false] };
          expect(run({ m, n, k, batchShape: [2], a, b, seed }, 2).ratio).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("returns zeros for k = 0 and nothing for empty outputs", () => {
    const out = new Float32Array(6).fill(3);
    const e = { data: new Float32Array(0), offset: 0, rowStride: 0, colStride: 1 };
    matmulF32(e, e, out, 2, 3, 0);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0]);
    matmulF32(e, e, out, 0, 3, 5);
  });

  it("rejects operands that reach outside their arrays", () => {
    const a = { data: new Float32Array(6), offset: 0, rowStride: 3, colStride: 1 };
    const out = new Float32Array(4);
    expect(() => matmulF32(a, a, out, 2, 2, 4)).toThrow(RangeError);
    expect(() => matmulF32(a, { ...a, rowStride: 2 }, new Float32Array(3), 2, 2, 3)).toThrow(/output/);
  });

  it("the JavaScript fallback matches the reference", () => {
    const rand = rng(5);
    const la: Layout = { transposed: true, pad: 1, offset: 2, batchPresent: [true, false] };
    const lb: Layout = { transposed: false, pad: 0, offset: 0, batchPresent: [false, true] };
    const a = makeOperand(rand, [2, 3], 5, 7, la), b = makeOperand(rand, [2, 3], 7, 4, lb);
    const out = new Float32Array(2 * 3 * 5 * 4);
    matmulF32Fallback({ a, b, out, m: 5, n: 4, k: 7, batchShape: [2, 3], aBatch: a.batchStrides!, bBatch: b.batchStrides!, outOffset: 0 });
    expect(boundRatio(out, referenceMatmul(a, b, 5, 4, 7, [2, 3]), 7).ratio).toBeLessThanOrEqual(1);
  });
});
