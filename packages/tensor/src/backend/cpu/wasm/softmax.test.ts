import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { softmaxRowsF32 } from "./softmax.js";
import { rng } from "../../../../test/support/wasm-kernels.js";

function reference(x: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) mx = Math.max(mx, x[r * cols + j]!);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[r * cols + j]! - mx);
    for (let j = 0; j < cols; j++) out[r * cols + j] = Math.exp(x[r * cols + j]! - mx) / s;
  }
  return out;
}

function check(rows: number, cols: number, scale: number, seed: number, threads: number): void {
  const rand = rng(seed);
  const x = new Float32Array(3 + rows * cols).map(() => rand() * scale);
  const out = new Float32Array(rows * cols + 2).fill(Number.NaN);
  softmaxRowsF32(x, 3, out, 1, rows, cols, { threads });
  const ref = reference(x.subarray(3), rows, cols);
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(out[1 + i]! - ref[i]!);
    const r = Math.floor(i / cols);
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) mx = Math.max(mx, x[3 + r * cols + j]!);
    // Rounding x - max to float32 perturbs exp by |x - max| * 2^-24 relative; exp itself is within ~1 ulp;
    // the float32 row sum adds up to ~cols/4 ulps (4 lanes) and the scaling 2 more.
    const rel = Math.abs(x[3 + i]! - mx) * 2 ** -24 + (4 + cols / 4) * 2 ** -23;
    if (!(err <= rel * ref[i]! + 1e-37)) throw new Error(`row ${Math.floor(i / cols)} col ${i % cols}: ${out[1 + i]} vs ${ref[i]}`);
  }
  expect(Number.isNaN(out[0]!) && Number.isNaN(out[rows * cols + 1]!)).toBe(true);
}

describe("softmaxRowsF32", () => {
  it("matches a float64 reference on random shapes and ranges", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 70 }),
        fc.constantFrom(0.1, 3, 30, 300),
        fc.integer(),
        (rows, cols, scale, seed) => check(rows, cols, scale, seed, 1),
      ),
      { numRuns: 200 },
    );
  });

  it("gives the same on several threads", () => {
    check(2000, 257, 10, 1, 2);
    check(513, 1000, 5, 2, 3);
  });

  it("masks -Infinity entries to exactly 0 and works in place", () => {
    const x = new Float32Array([0, -Infinity, 1, -Infinity, 2, 3, -1e30, 4, 5]);
    softmaxRowsF32(x, 0, x, 0, 1, 9);
    expect(x[1]).toBe(0);
    expect(x[3]).toBe(0);
    expect(x[6]).toBe(0);
    const e = [0, 1, 2, 3, 4, 5].map((v) => Math.exp(v));
    const s = e.reduce((p, q) => p + q, 0);
    expect(x[8]).toBeCloseTo(e[5]! / s, 6);
  });
});
