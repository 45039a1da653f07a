import { describe, expect, it } from "vitest";
import { BitStream, randomBits } from "./bits.js";
import { randomKey, split, type RandomKey } from "./key.js";
import { philox4x32 } from "./philox.js";

/** Pearson correlation of two word streams. */
function correlation(a: Uint32Array, b: Uint32Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe("randomBits", () => {
  it("is deterministic: the same key gives the same words", () => {
    expect(randomBits(randomKey(9), 1001)).toEqual(randomBits(randomKey(9), 1001));
  });

  it("word i is word i % 4 of the Philox block floor(i / 4) in the bits domain", () => {
    const key = randomKey(0xdeadbeefn);
    const bits = randomBits(key, 11);
    for (let b = 0; b < 3; b++) {
      const block = philox4x32([b, 0, 0, 0], key.k);
      for (let j = 0; j < 4 && 4 * b + j < 11; j++) expect(bits[4 * b + j]).toBe(block[j]);
    }
  });

  it("shorter draws are prefixes of longer ones; count 0 gives an empty array", () => {
    const key = randomKey(3);
    const long = randomBits(key, 100);
    for (const n of [0, 1, 3, 4, 5, 99]) expect(randomBits(key, n)).toEqual(long.subarray(0, n));
  });

  it("each bit position is set about half the time", () => {
    const bits = randomBits(randomKey(11), 100_000);
    for (let b = 0; b < 32; b++) {
      let ones = 0;
      for (const w of bits) ones += (w >>> b) & 1;
      // 5 standard deviations of a binomial(1e5, 1/2) is about 790.
      expect(Math.abs(ones - 50_000)).toBeLessThan(800);
    }
  });

  it("split keys give different, uncorrelated streams", () => {
    const [a, b] = split(randomKey(5));
    const sa = randomBits(a!, 100_000);
    const sb = randomBits(b!, 100_000);
    let equal = 0;
    for (let i = 0; i < sa.length; i++) if (sa[i] === sb[i]) equal++;
    expect(equal).toBeLessThan(3);
    // |r| of independent streams is below 5 / sqrt(n) with overwhelming probability.
    expect(Math.abs(correlation(sa, sb))).toBeLessThan(5 / Math.sqrt(100_000));
    expect(Math.abs(correlation(sa, randomBits(randomKey(5), 100_000)))).toBeLessThan(5 / Math.sqrt(100_000));
    // Consecutive seeds too.
    expect(Math.abs(correlation(randomBits(randomKey(6), 100_000), randomBits(randomKey(7), 100_000)))).toBeLessThan(0.016);
  });

  it("rejects bad counts and keys, naming the function and value", () => {
    expect(() => randomBits(randomKey(0), -1)).toThrow(/randomBits: count .*-1/);
    expect(() => randomBits(randomKey(0), 1.5)).toThrow(/randomBits: count .*1\.5/);
    expect(() => randomBits({} as RandomKey, 1)).toThrow(/randomBits: expected a RandomKey/);
  });
});

describe("BitStream", () => {
  it("reads exactly the words of randomBits, across buffer refills", () => {
    const key = randomKey(12);
    const stream = new BitStream(key);
    const words = Array.from({ length: 1000 }, () => stream.next());
    expect(Uint32Array.from(words)).toEqual(randomBits(key, 1000));
  });

  it("below(range) stays in range and is uniform", () => {
    const stream = new BitStream(randomKey(13));
    for (const range of [1, 2, 3, 7, 1000, 2 ** 31 + 1, 2 ** 32 - 1, 2 ** 32]) {
      for (let i = 0; i < 2000; i++) {
        const v = stream.below(range);
        expect(Number.isInteger(v) && v >= 0 && v < range).toBe(true);
      }
    }
    // Chi-square over 6 bins: the 99.99% point of chi2(5) is about 25.7.
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[stream.below(6)]!++;
    const chi2 = counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(25.7);
  });

  it("below rejects the words that would bias a large range", () => {
    // With range 3 * 2^30, plain multiply-shift (floor(word * 3 / 4)) maps two words to every result
    // divisible by 3 and one word to the others, so those results would get half the draws, not a third.
    const stream = new BitStream(randomKey(14));
    const range = 3 * 2 ** 30;
    let divisible = 0;
    const n = 30_000;
    for (let i = 0; i < n; i++) if (stream.below(range) % 3 === 0) divisible++;
    expect(Math.abs(divisible / n - 1 / 3)).toBeLessThan(0.015);
  });
});
