import { describe, expect, it } from "vitest";
import { pairedTTest, regularizedBeta, studentTUpperTail } from "./paired-t.js";

describe("paired t-test", () => {
  it("matches a hand computation (df 2: P(T >= t) = 1/2 - t / (2 sqrt(2 + t^2)))", () => {
    // d = 1, 2, 6: mean 3, squared deviations 4 + 1 + 9 = 14, sd sqrt(7), t = 3 / (sqrt(7) / sqrt(3))
    const r = pairedTTest([1, 2, 6]);
    const t = 3 / (Math.sqrt(7) / Math.sqrt(3));
    expect(r.n).toBe(3);
    expect(r.df).toBe(2);
    expect(r.mean).toBeCloseTo(3, 12);
    expect(r.sd).toBeCloseTo(Math.sqrt(7), 12);
    expect(r.t).toBeCloseTo(t, 12);
    expect(r.pOneSided).toBeCloseTo(0.5 - t / (2 * Math.sqrt(2 + t * t)), 12);
    expect(r.pOneSided).toBeCloseTo(0.0942487, 6);
  });

  it("matches the closed form for df 4 and the Cauchy case df 1", () => {
    // d = 1..5: t = 3 sqrt(2); for df 4, F(t) = 1/2 + 3/8 u (1 - t^2 / (12 (1 + t^2/4))), u = t / sqrt(1 + t^2/4)
    const r = pairedTTest([1, 2, 3, 4, 5]);
    const t = 3 * Math.SQRT2;
    const q = 1 + (t * t) / 4;
    expect(r.t).toBeCloseTo(t, 12);
    expect(r.pOneSided).toBeCloseTo(0.5 - (3 / 8) * (t / Math.sqrt(q)) * (1 - (t * t) / (12 * q)), 12);
    for (const x of [-3, -0.5, 0, 0.7, 2, 25]) expect(studentTUpperTail(x, 1)).toBeCloseTo(0.5 - Math.atan(x) / Math.PI, 12);
  });

  it("gives the textbook critical values and large-df tails", () => {
    // one-sided 2.5% and 1% points of t with 4 degrees of freedom; 1% point for df 499 (about 2.334)
    expect(studentTUpperTail(2.776445, 4)).toBeCloseTo(0.025, 6);
    expect(studentTUpperTail(3.746947, 4)).toBeCloseTo(0.01, 6);
    expect(studentTUpperTail(2.333843, 499)).toBeCloseTo(0.01, 5);
    expect(studentTUpperTail(40, 30)).toBeGreaterThan(0);
    expect(studentTUpperTail(40, 30)).toBeLessThan(1e-26);
    expect(regularizedBeta(0.3, 2, 3)).toBeCloseTo(0.3483, 12);
  });

  it("handles constant differences and refuses bad input", () => {
    expect(pairedTTest([0.2, 0.2, 0.2])).toMatchObject({ t: Infinity, pOneSided: 0 });
    expect(pairedTTest([-1, -1])).toMatchObject({ t: -Infinity, pOneSided: 1 });
    expect(pairedTTest([0, 0, 0])).toMatchObject({ t: 0, pOneSided: 0.5 });
    expect(() => pairedTTest([1])).toThrow(/at least 2/);
    expect(() => pairedTTest([1, NaN])).toThrow(/difference 1 is NaN/);
    expect(() => studentTUpperTail(1, 0)).toThrow(/df/);
  });
});
