/**
 * Runs the GPU check's op comparison (every kernel at larger shapes, and the VJP cases) on the WebGPU adapter
 * of this machine, so CI exercises the same comparison the device machine runs. Skipped with a printed
 * reason without an adapter, except under CI=true with DIVA_REQUIRE_WEBGPU=1.
 */
import { describe, expect, it } from "vitest";
import { divaEnv, initBackend } from "@diva/tensor";
import { compare, TOL } from "./compare.js";
import { checkOps, formatRow } from "./check-ops.js";

const required = process.env.CI === "true" && divaEnv("DIVA_REQUIRE_WEBGPU") === "1";
let reason: string | undefined;
try {
  await initBackend("webgpu");
} catch (e) {
  reason = (e as Error).message;
  if (required) throw new Error(`webgpu is required (CI=true, DIVA_REQUIRE_WEBGPU=1): ${reason}`);
  console.warn(`[gpu-check] skipping the webgpu-vs-cpu op comparison: ${reason}`);
}

describe("gpu-check compare", () => {
  it("accepts equal values, NaN for NaN and matching infinities; rejects the rest", () => {
    expect(compare([1, NaN, Infinity, -0], [1, NaN, Infinity, 0], TOL.exact).ok).toBe(true);
    expect(compare([1.0001], [1], TOL.basic).ok).toBe(false);
    expect(compare([1.00001], [1], TOL.accum).ok).toBe(true);
    expect(compare([NaN], [1], TOL.composite).first).toEqual({ index: 0, gpu: NaN, cpu: 1 });
    expect(compare([1, 2], [1], TOL.exact).mismatch).toMatch(/lengths/);
  });
});

describe.skipIf(reason !== undefined)("gpu-check op comparison on this machine's WebGPU adapter", () => {
  it("every kernel case and VJP case matches the CPU backend", async () => {
    const rows = await checkOps();
    const failed = rows.filter((r) => !r.ok).map(formatRow);
    expect(failed).toEqual([]);
    expect(rows.length).toBeGreaterThan(150);
  }, 600_000);
});
