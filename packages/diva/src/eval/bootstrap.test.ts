import { describe, expect, it } from "vitest";
import { pairedBootstrap, quantileSorted } from "./bootstrap.js";

const repeat = (pattern: number[], n: number) => Array.from({ length: n }, (_, i) => pattern[i % pattern.length]!);

describe("pairedBootstrap", () => {
  it("an interval around a difference that is zero on average contains 0", () => {
    // A wins half the items, B the other half: mean difference 0
    const a = [repeat([1, 0], 60)];
    const b = [repeat([0, 1], 60)];
    const ci = pairedBootstrap(a, b, { seed: 1 });
    expect(ci.estimate).toBe(0);
    expect(ci.low).toBeLessThan(0);
    expect(ci.high).toBeGreaterThan(0);
    expect(ci.level).toBe(0.95);
    expect(ci.seedsResampled).toBe(false);
  });

  it("an interval around a clear improvement excludes 0", () => {
    // A solves 30 of 40 items B fails, and ties on the other 10: difference 0.75
    const a = [repeat([1, 1, 1, 0], 40)];
    const b = [repeat([0, 0, 0, 0], 40)];
    const ci = pairedBootstrap(a, b, { seed: 1 });
    expect(ci.estimate).toBeCloseTo(0.75, 12);
    expect(ci.low).toBeGreaterThan(0.5);
    expect(ci.high).toBeLessThanOrEqual(1);
    expect(ci.low).toBeLessThan(0.75);
    expect(ci.high).toBeGreaterThan(0.75);
  });

  it("is paired: a shared item effect cancels, so equal arms give a zero-width interval", () => {
    const a = [[0.1, 0.9, 0.3, 0.7, 0.5]];
    const ci = pairedBootstrap(a, a, { seed: 3 });
    expect([ci.estimate, ci.low, ci.high]).toEqual([0, 0, 0]);
  });

  it("is deterministic for a seed and changes with the seed", () => {
    // continuous values, so different resamples give different quantiles
    const a = [0, 1].map((s) => Array.from({ length: 50 }, (_, i) => Math.sin(3 * i + s)));
    const b = [0, 1].map((s) => Array.from({ length: 50 }, (_, i) => Math.cos(5 * i + s)));
    const x = pairedBootstrap(a, b, { seed: 7, resamples: 500 });
    expect(pairedBootstrap(a, b, { seed: 7, resamples: 500 })).toEqual(x);
    const y = pairedBootstrap(a, b, { seed: 8, resamples: 500 });
    expect([y.low, y.high]).not.toEqual([x.low, x.high]);
  });

  it("averages strata means (MMVP's pattern average) and resamples within strata", () => {
    // stratum p: 3 items, difference 1 on all; stratum q: 1 item, difference 0 -> estimate (1 + 0) / 2
    const a = [[1, 1, 1, 0]];
    const b = [[0, 0, 0, 0]];
    const ci = pairedBootstrap(a, b, { seed: 0, strata: ["p", "p", "p", "q"] });
    expect(ci.estimate).toBe(0.5);
    // every stratum keeps its size, so every replicate is exactly 0.5 (unstratified it would vary)
    expect([ci.low, ci.high]).toEqual([0.5, 0.5]);
    const flat = pairedBootstrap(a, b, { seed: 0 });
    expect(flat.estimate).toBe(0.75);
    expect(flat.high - flat.low).toBeGreaterThan(0);
  });

  it("resamples seeds: opposite effects under two seeds give an interval spanning both", () => {
    const a = [repeat([1], 20), repeat([0], 20)];
    const b = [repeat([0], 20), repeat([1], 20)];
    const ci = pairedBootstrap(a, b, { seed: 2 });
    expect(ci.estimate).toBe(0);
    expect(ci.seedsResampled).toBe(true);
    expect(ci.low).toBe(-1);
    expect(ci.high).toBe(1);
  });

  it("gives the interval of one arm when b is null", () => {
    const ci = pairedBootstrap([repeat([1, 0], 50)], null, { seed: 4 });
    expect(ci.estimate).toBe(0.5);
    expect(ci.low).toBeGreaterThan(0.3);
    expect(ci.high).toBeLessThan(0.7);
  });

  it("refuses bad input with a message naming the problem", () => {
    expect(() => pairedBootstrap([], null, { seed: 0 })).toThrow(/no seeds/);
    expect(() => pairedBootstrap([[1, 2]], [[1]], { seed: 0 })).toThrow(/b\[0\] has 1 items, expected 2/);
    expect(() => pairedBootstrap([[1, 2]], [[1, 2], [1, 2]], { seed: 0 })).toThrow(/a has 1 seeds but b has 2/);
    expect(() => pairedBootstrap([[1, Number.NaN]], null, { seed: 0 })).toThrow(/a\[0\]\[1\] is NaN/);
    expect(() => pairedBootstrap([[1, 2]], null, { seed: 0, strata: ["x"] })).toThrow(/1 strata labels for 2 items/);
    expect(() => pairedBootstrap([[1, 2]], null, { seed: 0, resamples: 0 })).toThrow(/resamples/);
    expect(() => pairedBootstrap([[1, 2]], null, { seed: 0, level: 1 })).toThrow(/level/);
  });
});

describe("quantileSorted", () => {
  it("interpolates linearly between order statistics", () => {
    expect(quantileSorted([0, 10], 0.25)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantileSorted([1, 2, 3, 4, 5], 1)).toBe(5);
  });
});
