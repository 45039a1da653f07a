import { describe, expect, it } from "vitest";
import { sampleChoice } from "./host-choice.js";
import { foldIn, randomKey } from "./key.js";

function frequencies(xs: Int32Array, n: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const x of xs) counts[x]!++;
  return counts.map((c) => c / xs.length);
}

describe("sampleChoice, uniform", () => {
  it("with replacement draws indices in range with equal frequencies", () => {
    const xs = sampleChoice(randomKey(1), 5, 100_000);
    for (const f of frequencies(xs, 5)) expect(Math.abs(f - 0.2)).toBeLessThan(0.007);
  });

  it("without replacement never repeats, for dense and sparse populations", () => {
    for (const [n, count] of [[10, 10], [10, 3], [1000, 999], [2_000_000, 1000], [2 ** 31, 50]] as const) {
      const xs = sampleChoice(randomKey(n), n, count, { replace: false });
      expect(xs).toHaveLength(count);
      expect(new Set(xs).size).toBe(count);
      expect(xs.every((x) => x >= 0 && x < n)).toBe(true);
    }
  });

  it("without replacement includes each index with probability count / n", () => {
    const key = randomKey(2);
    const hits = new Array<number>(10).fill(0);
    const trials = 20_000;
    for (let t = 0; t < trials; t++) for (const x of sampleChoice(foldIn(key, t), 10, 3, { replace: false })) hits[x]!++;
    for (const h of hits) expect(Math.abs(h / trials - 0.3)).toBeLessThan(0.017);
  });

  it("handles empty draws", () => {
    expect(sampleChoice(randomKey(0), 0, 0)).toHaveLength(0);
    expect(sampleChoice(randomKey(0), 0, 0, { replace: false })).toHaveLength(0);
  });
});

describe("sampleChoice, weighted", () => {
  const probabilities = [0.1, 0, 0.2, 0.7];

  it("with replacement matches the weights and never draws a zero weight", () => {
    const f = frequencies(sampleChoice(randomKey(3), 4, 100_000, { probabilities }), 4);
    expect(f[1]).toBe(0);
    for (let i = 0; i < 4; i++) expect(Math.abs(f[i]! - probabilities[i]!)).toBeLessThan(0.007);
  });

  it("accepts unnormalized weights and Float64Array", () => {
    const a = sampleChoice(randomKey(4), 4, 50, { probabilities: [1, 0, 2, 7] });
    const b = sampleChoice(randomKey(4), 4, 50, { probabilities: Float64Array.from(probabilities) });
    expect(a).toEqual(b);
  });

  it("without replacement follows successive weighted draws", () => {
    const weights = [1, 2, 3, 4];
    const key = randomKey(5);
    const first = new Array<number>(4).fill(0);
    let secondIs3 = 0;
    const trials = 20_000;
    for (let t = 0; t < trials; t++) {
      const xs = sampleChoice(foldIn(key, t), 4, 2, { replace: false, probabilities: weights });
      expect(xs[0]).not.toBe(xs[1]);
      first[xs[0]!]!++;
      if (xs[1] === 3) secondIs3++;
    }
    for (let i = 0; i < 4; i++) expect(Math.abs(first[i]! / trials - weights[i]! / 10)).toBeLessThan(0.017);
    // P(second = 3) = sum over i != 3 of p_i * p_3 / (1 - p_i).
    const expected = 0.1 * (0.4 / 0.9) + 0.2 * (0.4 / 0.8) + 0.3 * (0.4 / 0.7);
    expect(Math.abs(secondIs3 / trials - expected)).toBeLessThan(0.017);
  });

  it("without replacement draws only positive weights, all of them when count equals their number", () => {
    const xs = sampleChoice(randomKey(6), 4, 3, { replace: false, probabilities });
    expect([...xs].sort()).toEqual([0, 2, 3]);
  });
});

describe("sampleChoice, errors name the function and the problem", () => {
  const key = randomKey(0);
  it("count > n without replacement", () => {
    expect(() => sampleChoice(key, 3, 4, { replace: false })).toThrow(/sampleChoice: cannot draw 4 distinct indices without replacement from n = 3/);
  });
  it("bad probabilities", () => {
    expect(() => sampleChoice(key, 3, 1, { probabilities: [0.5, 0.5] })).toThrow(/sampleChoice: probabilities has length 2 but n is 3/);
    expect(() => sampleChoice(key, 2, 1, { probabilities: [0.5, -0.5] })).toThrow(/sampleChoice: probabilities\[1\] is -0\.5/);
    expect(() => sampleChoice(key, 2, 1, { probabilities: [0, 0] })).toThrow(/sampleChoice: probabilities sum to 0/);
    expect(() => sampleChoice(key, 2, 1, { probabilities: [NaN, 1] })).toThrow(/sampleChoice: probabilities\[0\] is NaN/);
    expect(() => sampleChoice(key, 3, 3, { replace: false, probabilities: [1, 0, 1] })).toThrow(
      /sampleChoice: cannot draw 3 distinct indices without replacement: only 2 of the 3 probabilities are positive/,
    );
  });
  it("bad n, count or replace", () => {
    expect(() => sampleChoice(key, -1, 1)).toThrow(/sampleChoice: n .*-1/);
    expect(() => sampleChoice(key, 3, 1.5)).toThrow(/sampleChoice: count .*1\.5/);
    expect(() => sampleChoice(key, 0, 1)).toThrow(/sampleChoice: cannot draw 1 indices from an empty population/);
    expect(() => sampleChoice(key, 3, 1, { replace: "no" as unknown as boolean })).toThrow(/sampleChoice: replace .*"no"/);
  });
});
