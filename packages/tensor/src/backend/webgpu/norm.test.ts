import { describe, expect, it } from "vitest";
import type { TensorView } from "../backend.js";
import { expectClose, gpuOrSkip, randoms, readAll, viewOf } from "../../../test/support/webgpu.js";

const b = await gpuOrSkip();

/** Every shader module this file's backend compiles (its label is the pipeline key). */
const compiled: { label: string; code: string }[] = [];
if (b) {
  const device = b.ctx.device;
  const create = device.createShaderModule.bind(device);
  device.createShaderModule = (d: GPUShaderModuleDescriptor) => {
    compiled.push({ label: d.label ?? "", code: d.code });
    return create(d);
  };
}

/** Float64 normalisation of consecutive rows of `len` values: (x - mean) / sqrt(biased var + eps). */
function normRows(x: readonly number[], len: number, eps: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length; r += len) {
    const row = x.slice(r, r + len);
    const mu = row.reduce((a, v) => a + v, 0) / len;
    const rstd = 1 / Math.sqrt(row.reduce((a, v) => a + (v - mu) ** 2, 0) / len + eps);
    for (const v of row) out.push((v - mu) * rstd);
  }
  return out;
}

/** Rows of `len` values around a per-row offset far from zero, so a wrong mean in any lane is a large error. */
function offsetRows(rows: number, len: number, seed: number): number[] {
  const noise = randoms(rows * len, -1, 1, seed);
  return noise.map((v, i) => Math.fround(4 + Math.floor(i / len) + v));
}

/**
 * Every invocation of a row's workgroup must see the same mean and 1/std. On Mesa 22.3 llvmpipe (Dawn's
 * OpenGL backend on a stock Debian 12) the kernel with one workgroup array shared by both reductions gave
 * the invocations after the first 8-lane group a mean read after lane 0 had stored its variance partial
 * there: rows longer than 8 came out wrong from element 8 on, while shorter rows (and lavapipe 25 and
 * SwiftShader) were right.
 */
describe.skipIf(!b)("webgpu layerNorm and groupNorm: one mean and 1/std per row", () => {
  // 20 and 100: 64-invocation workgroups; 700: 256-invocation workgroups
  for (const len of [20, 100, 700]) {
    it(`layerNorm of [3, ${len}]`, async () => {
      const data = offsetRows(3, len, len);
      const x = viewOf(b!, data, "float32", [3, len]);
      const out = b!.kernels.layerNorm([x], { dims: 1, eps: 1e-5, weight: false, bias: false }, { shape: [3, len], dtype: "float32" });
      expectClose(await readAll(b!, out, "float32", 3 * len), normRows(data, len, 1e-5), 1e-4, 1e-4, `layerNorm [3, ${len}]`);
      b!.free(out);
      b!.free(x.storage);
    });
  }

  it("groupNorm + SiLU of [2, 6, 5, 5], 3 groups, with weight and bias", async () => {
    const shape = [2, 6, 5, 5];
    const len = 2 * 25;
    const data = offsetRows(6, len, 7);
    const w = randoms(6, 0.5, 1.5, 8);
    const bias = randoms(6, -1, 1, 9);
    const views: TensorView[] = [viewOf(b!, data, "float32", shape), viewOf(b!, w, "float32", [6]), viewOf(b!, bias, "float32", [6])];
    const attrs = { groups: 3, eps: 1e-5, weight: true, bias: true, activation: "silu" as const };
    const out = b!.kernels.groupNorm(views, attrs, { shape, dtype: "float32" });
    const want = normRows(data, len, 1e-5).map((v, i) => {
      const c = Math.floor(i / 25) % 6;
      const y = v * Math.fround(w[c]!) + Math.fround(bias[c]!);
      return y / (1 + Math.exp(-y));
    });
    expectClose(await readAll(b!, out, "float32", 300), want, 1e-4, 1e-4, "groupNorm [2, 6, 5, 5]");
    b!.free(out);
    for (const v of views) b!.free(v.storage);
  });

  it("each of its two reductions has its own workgroup array", async () => {
    // The cause above, checked on any adapter: once a total is read, its workgroup array is never written
    // again, so a driver that reads the total late still reads the total.
    const x = viewOf(b!, randoms(18, -1, 1, 3), "float32", [2, 9]);
    b!.free(b!.kernels.layerNorm([x], { dims: 1, eps: 1e-5, weight: false, bias: false }, { shape: [2, 9], dtype: "float32" }));
    b!.free(b!.kernels.groupNorm([{ ...x, shape: [2, 3, 3] }], { groups: 3, eps: 1e-5, weight: false, bias: false, activation: "none" }, { shape: [2, 3, 3], dtype: "float32" }));
    await b!.read(x.storage, "float32", 0, 1);
    b!.free(x.storage);
    for (const op of ["layerNorm", "groupNorm"]) {
      const wgsl = compiled.find((m) => m.label.startsWith(`${op}|`))?.code;
      expect(wgsl, `a ${op} pipeline was compiled in this file`).toBeDefined();
      const arrays = [...wgsl!.matchAll(/var<workgroup>\s+(\w+)/g)].map((m) => m[1]!);
      // each reduction function: the workgroup array it fills and how often main calls it
      const fills = [...wgsl!.matchAll(/fn (\w+)\([^)]*\)[^{]*\{\s*(\w+)\[lid\] = v;/g)].map((m) => ({ fn: m[1]!, array: m[2]! }));
      const main = wgsl!.slice(wgsl!.indexOf("fn main"));
      expect(fills.map((f) => main.split(`${f.fn}(`).length - 1), op).toEqual([1, 1]);
      expect(new Set(fills.map((f) => f.array)).size, op).toBe(2);
      for (const f of fills) expect(arrays, op).toContain(f.array);
    }
  });
});
