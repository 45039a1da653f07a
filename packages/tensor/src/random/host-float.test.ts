import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { roundTo, type SampleFloatDType } from "./floats.js";
import { sampleNormal, sampleTruncatedNormal, sampleUniform } from "./host-float.js";
import { randomKey, split } from "./key.js";
import { normalCdf } from "./special.js";

function moments(xs: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - mean) ** 2;
  return { mean, variance: v / (xs.length - 1) };
}

/** Kolmogorov-Smirnov statistic of a sample against a CDF, scaled by sqrt(n). */
function ksScaled(xs: ArrayLike<number>, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(xs).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]!);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d * Math.sqrt(n);
}

// sqrt(n) * D stays below 1.95 with probability 99.9% for a correct sampler.
const KS_LIMIT = 1.95;
const N = 100_000;
const DTYPES: SampleFloatDType[] = ["float32", "float64", "float16"];

describe("sampleUniform", () => {
  it("is deterministic and returns the dtype's host array", () => {
    const key = randomKey(1);
    expect(sampleUniform(key, 100)).toEqual(sampleUniform(key, 100));
    expect(sampleUniform(key, 3)).toBeInstanceOf(Float32Array);
    expect(sampleUniform(key, 3, { dtype: "float64" })).toBeInstanceOf(Float64Array);
    expect(sampleUniform(key, 3, { dtype: "float16" })).toBeInstanceOf(Float32Array);
    expect(sampleUniform(key, 0)).toHaveLength(0);
  });

  for (const dtype of DTYPES) {
    it(`${dtype}: mean, variance and distribution of 1e5 draws match U[0, 1)`, () => {
      const xs = sampleUniform(randomKey(2), N, { dtype });
      const { mean, variance } = moments(xs);
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
      expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.0015);
      expect(ksScaled(xs, (x) => Math.min(1, Math.max(0, x)))).toBeLessThan(KS_LIMIT);
      expect(xs.every((x) => roundTo(dtype, x) === x)).toBe(true);
    });
  }

  it("scales to [min, max)", () => {
    const xs = sampleUniform(randomKey(3), N, { min: -3, max: 5 });
    const { mean, variance } = moments(xs);
    expect(Math.abs(mean - 1)).toBeLessThan(0.04);
    expect(Math.abs(variance - 64 / 12)).toBeLessThan(0.1);
  });

  it("split keys give uncorrelated streams", () => {
    const [a, b] = split(randomKey(4));
    const xa = sampleUniform(a!, N);
    const xb = sampleUniform(b!, N);
    let cov = 0;
    for (let i = 0; i < N; i++) cov += (xa[i]! - 0.5) * (xb[i]! - 0.5);
    // corr = cov / (1/12); its sd is 1/sqrt(N).
    expect(Math.abs((cov / N) * 12)).toBeLessThan(5 / Math.sqrt(N));
  });

  it("property: values lie in [min, max) rounded to the dtype, for any bounds and count", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<SampleFloatDType>(...DTYPES),
        fc.double({ min: -1e300, max: 1e300, noNaN: true }),
        fc.double({ min: -1e300, max: 1e300, noNaN: true }),
        fc.nat(64),
        fc.nat(),
        (dtype, p, q, count, seed) => {
          const limit = dtype === "float16" ? 65504 : dtype === "float32" ? 3.4e38 : Infinity;
          const [min, max] = [Math.max(-limit, Math.min(p, q)), Math.min(limit, Math.max(p, q))];
          const lo = roundTo(dtype, min);
          const hi = roundTo(dtype, max);
          fc.pre(lo < hi);
          const xs = sampleUniform(randomKey(seed), count, { min, max, dtype });
          expect(xs).toHaveLength(count);
          for (const x of xs) {
            expect(x >= lo && x < hi).toBe(true);
            expect(roundTo(dtype, x)).toBe(x);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("stays below max when rounding would reach it", () => {
    // Just below 1, min + u * width rounds to max for the largest u.
    const xs = sampleUniform(randomKey(5), 20_000, { min: 1 - 2 ** -11, max: 1, dtype: "float16" });
    expect(xs.every((x) => x === 1 - 2 ** -11)).toBe(true);
    const wide = sampleUniform(randomKey(5), 1000, { min: -Number.MAX_VALUE, max: Number.MAX_VALUE, dtype: "float64" });
    expect(wide.every((x) => Number.isFinite(x))).toBe(true);
  });

  it("rejects bad arguments, naming the function and value", () => {
    const key = randomKey(0);
    expect(() => sampleUniform(key, 3, { min: 1, max: 1 })).toThrow(/sampleUniform: min must be less than max .*min 1 and max 1/);
    expect(() => sampleUniform(key, 3, { min: 2, max: 1 })).toThrow(/sampleUniform: .*min 2/);
    expect(() => sampleUniform(key, 3, { max: Infinity })).toThrow(/sampleUniform: max .*Infinity/);
    expect(() => sampleUniform(key, 3, { max: 1e6, dtype: "float16" })).toThrow(/sampleUniform: .*1000000.*float16/);
    expect(() => sampleUniform(key, 3, { dtype: "int32" as SampleFloatDType })).toThrow(/sampleUniform: dtype .*"int32"/);
    expect(() => sampleUniform(key, -2)).toThrow(/sampleUniform: count .*-2/);
  });
});

describe("sampleNormal", () => {
  for (const dtype of DTYPES) {
    it(`${dtype}: mean, variance and distribution of 1e5 draws match N(0, 1)`, () => {
      const xs = sampleNormal(randomKey(6), N, { dtype });
      const { mean, variance } = moments(xs);
      expect(Math.abs(mean)).toBeLessThan(0.016);
      expect(Math.abs(variance - 1)).toBeLessThan(0.025);
      // float16 rounding moves values by up to 2^-11 relative, which KS does not notice at this n.
      expect(ksScaled(xs, normalCdf)).toBeLessThan(KS_LIMIT);
      expect(xs.every((x) => roundTo(dtype, x) === x)).toBe(true);
    });
  }

  it("applies mean and std; odd counts are the prefix of the next even count", () => {
    const key = randomKey(7);
    const xs = sampleNormal(key, N + 1, { mean: 10, std: 3, dtype: "float64" });
    const { mean, variance } = moments(xs);
    expect(Math.abs(mean - 10)).toBeLessThan(0.05);
    expect(Math.abs(variance - 9)).toBeLessThan(0.25);
    expect(sampleNormal(key, 5)).toEqual(sampleNormal(key, 6).subarray(0, 5));
    expect(sampleNormal(key, 4, { std: 0, mean: 2 })).toEqual(new Float32Array([2, 2, 2, 2]));
  });

  it("is deterministic and split keys differ", () => {
    const [a, b] = split(randomKey(8));
    expect(sampleNormal(a!, 10)).toEqual(sampleNormal(a!, 10));
    expect(sampleNormal(a!, 10)).not.toEqual(sampleNormal(b!, 10));
  });

  it("rejects bad arguments, naming the function and value", () => {
    expect(() => sampleNormal(randomKey(0), 3, { std: -1 })).toThrow(/sampleNormal: std must be >= 0, got -1/);
    expect(() => sampleNormal(randomKey(0), 3, { mean: NaN })).toThrow(/sampleNormal: mean .*NaN/);
  });
});

describe("sampleTruncatedNormal", () => {
  const phi = (x: number) => Math.exp(-(x * x) / 2) / Math.sqrt(2 * Math.PI);

  it("matches the moments and CDF of N(0, 1) truncated to [-2, 2]", () => {
    const xs = sampleTruncatedNormal(randomKey(9), N);
    const mass = normalCdf(2) - normalCdf(-2);
    const expectedVar = 1 - (4 * phi(2)) / mass;
    const { mean, variance } = moments(xs);
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(variance - expectedVar)).toBeLessThan(0.01);
    expect(xs.every((x) => x >= -2 && x <= 2)).toBe(true);
    const cdf = (x: number) => (normalCdf(Math.min(2, Math.max(-2, x))) - normalCdf(-2)) / mass;
    expect(ksScaled(xs, cdf)).toBeLessThan(KS_LIMIT);
  });

  it("samples intervals far in either tail", () => {
    for (const [lower, upper] of [[5, 6], [-30, -29]] as const) {
      const xs = sampleTruncatedNormal(randomKey(10), 20_000, { lower, upper, dtype: "float64" });
      const mass = normalCdf(upper) - normalCdf(lower);
      const expectedMean = (phi(lower) - phi(upper)) / mass;
      const { mean } = moments(xs);
      expect(xs.every((x) => x >= lower && x <= upper)).toBe(true);
      expect(Math.abs(mean - expectedMean)).toBeLessThan(0.01);
    }
  });

  it("applies mean and std with absolute bounds, like PyTorch's trunc_normal_", () => {
    const xs = sampleTruncatedNormal(randomKey(11), N, { mean: 1, std: 0.02, lower: -2, upper: 2, dtype: "float64" });
    const { mean, variance } = moments(xs);
    expect(Math.abs(mean - 1)).toBeLessThan(0.001);
    expect(Math.abs(Math.sqrt(variance) - 0.02)).toBeLessThan(0.001);
  });

  it("rejects bad arguments, naming the function and value", () => {
    expect(() => sampleTruncatedNormal(randomKey(0), 3, { lower: 1, upper: 1 })).toThrow(/sampleTruncatedNormal: lower .*lower 1/);
    expect(() => sampleTruncatedNormal(randomKey(0), 3, { lower: 60, upper: 61 })).toThrow(/sampleTruncatedNormal: \[60, 61\]/);
  });
});
