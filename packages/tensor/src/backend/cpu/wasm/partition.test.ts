import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { planGemm, splitRows } from "./partition.js";

describe("planGemm", () => {
  it("keeps small jobs on one thread and cuts big ones into several chunks per thread", () => {
    expect(planGemm(1, 64, 64, 64, 2, 8, 16).threads).toBe(1);
    expect(planGemm(1, 1024, 1024, 1024, 2, 8, 16)).toEqual({ threads: 2, rows: 128, cols: 1024, total: 8 });
    expect(planGemm(64, 65, 65, 32, 2, 8, 16)).toEqual({ threads: 2, rows: 65, cols: 65, total: 64 });
    expect(planGemm(1, 3, 2001, 800, 2, 8, 16)).toEqual({ threads: 2, rows: 3, cols: 256, total: 8 });
    // many threads, few tile rows: no more threads than chunks
    expect(planGemm(1, 39, 48, 2166, 14, 8, 16)).toEqual({ threads: 5, rows: 8, cols: 48, total: 5 });
    expect(planGemm(1, 55, 164, 2710, 13, 8, 16)).toEqual({ threads: 11, rows: 55, cols: 16, total: 11 });
  });

  it("always covers C with tile-aligned chunks and gives every thread work", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 16 }),
        (count, m, n, k, threads) => {
          const p = planGemm(count, m, n, k, threads, 8, 16);
          expect(p.threads).toBeGreaterThanOrEqual(1);
          expect(p.threads).toBeLessThanOrEqual(threads);
          expect(p.rows === m || p.rows % 8 === 0).toBe(true);
          expect(p.cols === n || p.cols % 16 === 0).toBe(true);
          expect(p.total).toBe(count * Math.ceil(m / p.rows) * Math.ceil(n / p.cols));
          if (p.threads > 1) expect(p.total).toBeGreaterThanOrEqual(p.threads);
        },
      ),
    );
  });
});

describe("splitRows", () => {
  it("splits into contiguous, covering ranges", () => {
    expect(splitRows(10, 1e9, 3)).toEqual([[0, 3], [3, 6], [6, 10]]);
    expect(splitRows(10, 1, 3)).toEqual([[0, 10]]);
  });
});
