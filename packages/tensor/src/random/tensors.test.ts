import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { createCpuBackend } from "../backend/cpu/cpu-backend.js";
import { initialisedDevices, registerBackend } from "../engine/backends.js";
import { sampleChoice } from "./host-choice.js";
import { sampleBernoulli, samplePermutation, sampleRandint } from "./host-discrete.js";
import { sampleNormal, sampleTruncatedNormal, sampleUniform } from "./host-float.js";
import { randomKey, split } from "./key.js";
import { bernoulli, choice, normal, permutation, randint, truncatedNormal, uniform } from "./tensors.js";

beforeAll(() => {
  if (!initialisedDevices().includes("cpu")) registerBackend(createCpuBackend());
});

const key = randomKey(2024);

describe("tensor-level samplers hold the host samples", () => {
  it("uniform", async () => {
    const t = uniform(key, [3, 4], { min: -1, max: 2 });
    expect(t.shape).toEqual([3, 4]);
    expect(t.dtype).toBe("float32");
    expect(t.device).toBe("cpu");
    expect(await t.data()).toEqual(sampleUniform(key, 12, { min: -1, max: 2 }));
    const d = uniform(key, [5], { dtype: "float64" });
    expect(d.dtype).toBe("float64");
    expect(await d.data()).toEqual(sampleUniform(key, 5, { dtype: "float64" }));
  });

  it("normal and truncatedNormal", async () => {
    const n = normal(key, [2, 3], { mean: 1, std: 2, dtype: "float64" });
    expect(n.dtype).toBe("float64");
    expect(await n.data()).toEqual(sampleNormal(key, 6, { mean: 1, std: 2, dtype: "float64" }));
    const tn = truncatedNormal(key, [7], { std: 0.02 });
    expect(tn.dtype).toBe("float32");
    expect(await tn.data()).toEqual(sampleTruncatedNormal(key, 7, { std: 0.02 }));
  });

  it("randint, bernoulli, permutation, choice", async () => {
    const r = randint(key, [2, 5], -4, 4);
    expect(r.dtype).toBe("int32");
    expect(r.shape).toEqual([2, 5]);
    expect(await r.data()).toEqual(sampleRandint(key, 10, -4, 4));
    const b = bernoulli(key, 0.25, [6]);
    expect(b.dtype).toBe("bool");
    expect(await b.data()).toEqual(sampleBernoulli(key, 6, 0.25));
    const p = permutation(key, 9);
    expect(p.dtype).toBe("int32");
    expect(p.shape).toEqual([9]);
    expect(await p.data()).toEqual(samplePermutation(key, 9));
    const c = choice(key, 10, 4, { replace: false, probabilities: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
    expect(c.shape).toEqual([4]);
    expect(await c.data()).toEqual(sampleChoice(key, 10, 4, { replace: false, probabilities: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }));
  });

  it("scalars and empty shapes", async () => {
    const s = uniform(key, []);
    expect(s.shape).toEqual([]);
    expect((await s.data()).length).toBe(1);
    expect((await normal(key, [0, 3]).data()).length).toBe(0);
    expect((await permutation(key, 0).data()).length).toBe(0);
  });

  it("split keys give different tensors; the same key gives the same tensor", async () => {
    const [a, b] = split(key);
    const ta = await uniform(a!, [16]).data();
    expect(await uniform(a!, [16]).data()).toEqual(ta);
    expect(await uniform(b!, [16]).data()).not.toEqual(ta);
  });
});

describe("tensor-level errors name the function and the bad value", () => {
  it("shapes", () => {
    expect(() => uniform(key, [2, -1])).toThrow(/uniform: invalid shape \[2,-1\]/);
    expect(() => normal(key, [1.5])).toThrow(/normal: invalid shape \[1.5\]/);
    expect(() => randint(key, 3 as unknown as number[], 0, 2)).toThrow(/randint: shape must be an array of sizes, got 3/);
  });

  it("arguments", () => {
    expect(() => uniform(key, [2], { min: 3, max: 1 })).toThrow(/uniform: min must be less than max/);
    expect(() => bernoulli(key, 2, [2])).toThrow(/bernoulli: p .*2/);
    expect(() => choice(key, 3, 5, { replace: false })).toThrow(/choice: cannot draw 5 distinct indices/);
    expect(() => permutation(key, -3)).toThrow(/permutation: n .*-3/);
    expect(() => truncatedNormal(key, [2], { lower: 3, upper: 3 })).toThrow(/truncatedNormal: lower must be less than upper/);
  });
});

describe("uniform property", () => {
  it("values lie in [min, max) for random shapes, including size-0 and size-1 dimensions", async () => {
    const shape = fc.array(fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 2, max: 5 })), { maxLength: 4 });
    const bound = fc.float({ min: -1e6, max: 1e6, noNaN: true });
    await fc.assert(
      fc.asyncProperty(shape, bound, bound, fc.nat(), fc.constantFrom<"float32" | "float64">("float32", "float64"), async (dims, p, q, seed, dtype) => {
        const [min, max] = p < q ? [p, q] : [q, p];
        fc.pre(min < max);
        const t = uniform(randomKey(seed), dims, { min, max, dtype });
        expect(t.shape).toEqual(dims);
        expect(t.dtype).toBe(dtype);
        const data = await t.data();
        expect(data.length).toBe(dims.reduce((a, b) => a * b, 1));
        for (const x of data) expect(x >= min && x < max).toBe(true);
        t.dispose();
      }),
      { numRuns: 200 },
    );
  });
});
