import { describe, expect, it } from "vitest";
import { ridgeProbe, type FeatureMatrix, type ProbeLabels } from "./ridge-probe.js";

/** Deterministic pseudo-random numbers in [-1, 1). */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2147483648 - 1;
  };
}

/**
 * Images whose features encode "shape" (3 classes) in feature 0 and "mark" (2 classes, only for shapes other than
 * "c") in feature 1, plus `extra` noise features; "hidden" is a label no feature carries.
 */
function dataset(n: number, extra: number, seed: number): { x: FeatureMatrix; labels: ProbeLabels[] } {
  const r = noise(seed);
  const dim = 2 + extra;
  const data = new Float32Array(n * dim);
  const labels: ProbeLabels[] = [];
  for (let i = 0; i < n; i++) {
    const shape = ["a", "b", "c"][i % 3]!;
    const mark = shape === "c" ? null : (i >> 2) % 2 ? "yes" : "no";
    data[i * dim] = (shape === "a" ? -1 : shape === "b" ? 0 : 1) * 3 + 0.1 * r();
    data[i * dim + 1] = (mark === "yes" ? 1 : mark === "no" ? -1 : 0) + 0.1 * r();
    for (let j = 2; j < dim; j++) data[i * dim + j] = r();
    labels.push({ shape, mark, hidden: r() > 0 ? "p" : "q" });
  }
  return { x: { data, rows: n, dim }, labels };
}

describe("ridgeProbe", () => {
  it("reads labels the features carry, not one they do not, and scores a head only where it applies", async () => {
    const tr = dataset(300, 6, 1);
    const te = dataset(150, 6, 2);
    const r = await ridgeProbe(tr.x, tr.labels, te.x, te.labels, 0.01);
    expect(r.perHead["mark"]!.accuracy).toBe(1);
    expect(r.perHead["mark"]!.count).toBe(100); // shape "c" images are not scored on "mark"
    expect(r.perHead["hidden"]!.accuracy).toBeLessThan(0.7);
    expect(r.perHead["hidden"]!.majority).toBeGreaterThan(0.3);
    expect(r.rows).toHaveLength(150 + 100 + 150);
    expect(r.accuracy).toBeCloseTo((r.perHead["shape"]!.accuracy + r.perHead["mark"]!.accuracy + r.perHead["hidden"]!.accuracy) / 3, 12);
  });

  it("the primal (dim <= rows) and dual (dim > rows) solves give the same predictions", async () => {
    const tr = dataset(40, 60, 3); // dim 62 > 40 rows: dual
    const te = dataset(30, 60, 4);
    const dual = await ridgeProbe(tr.x, tr.labels, te.x, te.labels, 1);
    // the same problem with 40 duplicated rows: dim 62 <= 80, primal; duplicating every row doubles the Gram
    // matrix and the penalty alike, so the solution is unchanged
    const twice: FeatureMatrix = { data: new Float32Array([...tr.x.data, ...tr.x.data]), rows: 80, dim: 62 };
    const primal = await ridgeProbe(twice, [...tr.labels, ...tr.labels], te.x, te.labels, 1);
    expect(primal.rows).toEqual(dual.rows);
  });

  it("refuses mismatched shapes", async () => {
    const tr = dataset(10, 1, 5);
    const te = dataset(10, 2, 6);
    await expect(ridgeProbe(tr.x, tr.labels, te.x, te.labels, 1)).rejects.toThrow(/3 columns, held-out 4/);
    await expect(ridgeProbe(tr.x, tr.labels.slice(1), tr.x, tr.labels, 1)).rejects.toThrow(/label rows/);
    await expect(ridgeProbe(tr.x, tr.labels, tr.x, tr.labels, 0)).rejects.toThrow(/ridge must be positive/);
  });
});
