import { describe, expect, it } from "vitest";
import { BitStream } from "./bits.js";
import { partialShuffle, sampleBernoulli, samplePermutation, sampleRandint } from "./host-discrete.js";
import { foldIn, randomKey, split } from "./key.js";

/** Pearson chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  const e = total / counts.length;
  let s = 0;
  for (let i = 0; i < counts.length; i++) s += (counts[i]! - e) ** 2 / e;
  return s;
}

function isPermutation(xs: Int32Array, n: number): boolean {
  if (xs.length !== n) return false;
  const seen = new Uint8Array(n);
  for (const x of xs) {
    if (x < 0 || x >= n || seen[x]) return false;
    seen[x] = 1;
  }
  return true;
}

describe("sampleRandint", () => {
  it("draws in [low, high) with a flat histogram", () => {
    const xs = sampleRandint(randomKey(1), 100_000, -3, 7);
    const counts = new Array<number>(10).fill(0);
    for (const x of xs) counts[x + 3]!++;
    expect(counts.reduce((a, b) => a + b)).toBe(100_000);
    // The 99.99% point of chi2(9) is about 33.7.
    expect(chiSquare(counts)).toBeLessThan(33.7);
  });

  it("is deterministic, and split keys differ", () => {
    const [a, b] = split(randomKey(2));
    expect(sampleRandint(a!, 50, 0, 1000)).toEqual(sampleRandint(a!, 50, 0, 1000));
    expect(sampleRandint(a!, 50, 0, 1000)).not.toEqual(sampleRandint(b!, 50, 0, 1000));
  });

  it("covers the whole int32 range and single-value ranges", () => {
    const xs = sampleRandint(randomKey(3), 10_000, -(2 ** 31), 2 ** 31);
    let negative = 0;
    for (const x of xs) if (x < 0) negative++;
    expect(Math.abs(negative - 5000)).toBeLessThan(300);
    expect(sampleRandint(randomKey(3), 5, 41, 42)).toEqual(new Int32Array([41, 41, 41, 41, 41]));
    const top = sampleRandint(randomKey(3), 1000, 2 ** 31 - 2, 2 ** 31);
    expect(top.every((x) => x === 2 ** 31 - 2 || x === 2 ** 31 - 1)).toBe(true);
  });

  it("rejects bad bounds, naming the function and value", () => {
    const key = randomKey(0);
    expect(() => sampleRandint(key, 3, 5, 5)).toThrow(/sampleRandint: low must be less than high, got low 5 and high 5/);
    expect(() => sampleRandint(key, 3, 0.5, 5)).toThrow(/sampleRandint: low .*0\.5/);
    expect(() => sampleRandint(key, 3, 0, 2 ** 32)).toThrow(/sampleRandint: high .*4294967296/);
  });
});

describe("sampleBernoulli", () => {
  it("is true with probability p", () => {
    const xs = sampleBernoulli(randomKey(4), 100_000, 0.3);
    let ones = 0;
    for (const x of xs) ones += x;
    expect(Math.abs(ones / 100_000 - 0.3)).toBeLessThan(0.0075);
    expect(xs.every((x) => x === 0 || x === 1)).toBe(true);
  });

  it("is all false at p = 0 and all true at p = 1", () => {
    expect(sampleBernoulli(randomKey(5), 1000, 0).every((x) => x === 0)).toBe(true);
    expect(sampleBernoulli(randomKey(5), 1000, 1).every((x) => x === 1)).toBe(true);
  });

  it("rejects p outside [0, 1], naming the function and value", () => {
    expect(() => sampleBernoulli(randomKey(0), 3, 1.5)).toThrow(/sampleBernoulli: p .*1\.5/);
    expect(() => sampleBernoulli(randomKey(0), 3, NaN)).toThrow(/sampleBernoulli: p .*NaN/);
  });
});

describe("samplePermutation", () => {
  it("returns a permutation of 0..n-1, deterministically", () => {
    for (const n of [0, 1, 2, 10, 1000]) expect(isPermutation(samplePermutation(randomKey(n), n), n)).toBe(true);
    expect(samplePermutation(randomKey(6), 50)).toEqual(samplePermutation(randomKey(6), 50));
    expect(samplePermutation(randomKey(6), 50)).not.toEqual(samplePermutation(randomKey(7), 50));
  });

  it("gives all 6 orders of 3 items equally often", () => {
    const key = randomKey(8);
    const counts = new Map<string, number>();
    for (let i = 0; i < 30_000; i++) {
      const p = samplePermutation(foldIn(key, i), 3).join("");
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // The 99.99% point of chi2(5) is about 25.7.
    expect(chiSquare([...counts.values()])).toBeLessThan(25.7);
  });

  it("rejects a bad n, naming the function and value", () => {
    expect(() => samplePermutation(randomKey(0), -1)).toThrow(/samplePermutation: n .*-1/);
    expect(() => samplePermutation(randomKey(0), 2 ** 31 + 1)).toThrow(/samplePermutation: n .*2147483649/);
  });
});

describe("partialShuffle", () => {
  it("gives the same result with the sparse (map) and dense (array) storage", () => {
    const key = randomKey(9);
    // n = 5000 and count = 10 use the map; compare with a plain array Fisher-Yates on the same stream.
    const sparse = partialShuffle(new BitStream(key), 5000, 10);
    const stream = new BitStream(key);
    const a = Array.from({ length: 5000 }, (_, i) => i);
    const dense: number[] = [];
    for (let i = 0; i < 10; i++) {
      const j = i + stream.below(5000 - i);
      [a[i], a[j]] = [a[j]!, a[i]!];
      dense.push(a[i]!);
    }
    expect([...sparse]).toEqual(dense);
    expect(new Set(sparse).size).toBe(10);
  });
});
