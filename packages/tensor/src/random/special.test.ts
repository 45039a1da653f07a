import { describe, expect, it } from "vitest";
import { erfc, normalCdf, normalQuantile } from "./special.js";

describe("erfc", () => {
  it("matches reference values to about 1e-13 relative", () => {
    const ref: [number, number][] = [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047266],
      [2.5, 4.06952017444959e-4],
      [3, 2.209049699858544e-5],
      [5, 1.5374597944280349e-12],
      [10, 2.088487583762545e-45],
      [-1, 1.8427007929497148],
    ];
    for (const [x, v] of ref) expect(Math.abs(erfc(x) - v) / v).toBeLessThan(1e-13);
  });

  it("is continuous where the series hands over to the continued fraction", () => {
    const below = erfc(2.5 - 1e-12);
    const at = erfc(2.5);
    expect(Math.abs(below - at) / at).toBeLessThan(1e-10);
  });
});

describe("normalQuantile", () => {
  it("inverts normalCdf on the left side and the middle to 1e-11", () => {
    for (let x = -37; x < 3; x += 0.0137) {
      expect(Math.abs(normalQuantile(normalCdf(x)) - x)).toBeLessThan(1e-11 * Math.max(1, Math.abs(x)));
    }
  });

  it("has the textbook quantiles and limits", () => {
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 12);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(2)).toBeNaN();
  });
});
