import { describe, expect, it } from "vitest";
import { Params } from "./params.js";
import { sizeClass } from "./pool.js";
import { WebGPUStorage } from "./storage.js";
import { expectClose, gpuOrSkip, readAll, viewOf } from "../../../test/support/webgpu.js";
import { createWebGPUBackend } from "./webgpu-backend.js";

const b = await gpuOrSkip();

describe("webgpu buffer size classes", () => {
  it("round up by at most a quarter", () => {
    expect(sizeClass(1)).toBe(256);
    expect(sizeClass(256)).toBe(256);
    expect(sizeClass(257)).toBe(320);
    expect(sizeClass(1000)).toBe(1024);
    expect(sizeClass(1025)).toBe(1280);
    for (const n of [300, 4097, 123457, 9_999_999]) {
      expect(sizeClass(n)).toBeGreaterThanOrEqual(n);
      expect(sizeClass(n)).toBeLessThanOrEqual(n * 1.25);
    }
  });
});

describe.skipIf(!b)("webgpu device, queue and memory", () => {
  it("reports dtypes: float32, int32, bool; never float64", () => {
    expect(b!.supports("float32")).toBe(true);
    expect(b!.supports("int32")).toBe(true);
    expect(b!.supports("bool")).toBe(true);
    expect(b!.supports("float64")).toBe(false);
    expect(() => b!.upload(new Float64Array(2), "float64")).toThrow(/float64/);
  });

  it("round-trips every dtype and reads sub-ranges", async () => {
    const f = viewOf(b!, [1.5, -2, 3, 4, 5], "float32", [5]);
    expect(Array.from(await b!.read(f.storage, "float32", 1, 3))).toEqual([-2, 3, 4]);
    const i = viewOf(b!, [7, -8, 9], "int32", [3]);
    expect(Array.from(await b!.read(i.storage, "int32", 2, 1))).toEqual([9]);
    const t = viewOf(b!, [1, 0, 1, 1, 0], "bool", [5]);
    const bools = await b!.read(t.storage, "bool", 0, 5);
    expect(bools).toBeInstanceOf(Uint8Array);
    expect(Array.from(bools)).toEqual([1, 0, 1, 1, 0]);
    expect(Array.from(await b!.read(t.storage, "bool", 3, 2))).toEqual([1, 0]);
    expect(Array.from(await b!.read(t.storage, "bool", 1, 0))).toEqual([]);
  });

  it("batches dispatches: a chain of 300 kernels is right and submitted in a few submissions", async () => {
    const before = b!.stats().submissions;
    let x = viewOf(b!, [0, 1, 2, 3], "float32", [4]);
    const one = viewOf(b!, [1], "float32", { shape: [4], strides: [0], offset: 0 });
    for (let k = 0; k < 300; k++) {
      const s = b!.kernels.add([x, one], {}, { shape: [4], dtype: "float32" });
      b!.free(x.storage);
      x = { ...x, storage: s };
    }
    expect(await readAll(b!, x.storage, "float32", 4)).toEqual([300, 301, 302, 303]);
    const used = b!.stats().submissions - before;
    expect(used).toBeGreaterThanOrEqual(5);
    expect(used).toBeLessThanOrEqual(8);
  });

  it("reads started together share one submission", async () => {
    const xs = [1, 2, 3, 4, 5].map((v) => viewOf(b!, [v, v + 1], "float32", [2]));
    const sums = xs.map((x) => b!.kernels.add([x, x], {}, { shape: [2], dtype: "float32" }));
    b!.flush();
    const before = b!.stats().submissions;
    const got = await Promise.all(sums.map((s) => readAll(b!, s, "float32", 2)));
    expect(got).toEqual([1, 2, 3, 4, 5].map((v) => [2 * v, 2 * v + 2]));
    expect(b!.stats().submissions - before).toBe(1);
  });

  it("reuses freed buffers only after a submission", async () => {
    const o = { shape: [1000], dtype: "float32" } as const;
    const s1 = b!.kernels.fill([], { value: 1, ...o }, o) as WebGPUStorage;
    b!.free(s1);
    const s2 = b!.kernels.fill([], { value: 2, ...o }, o) as WebGPUStorage;
    expect(s2.buffer).not.toBe(s1.buffer);
    b!.flush();
    const s3 = b!.kernels.fill([], { value: 3, ...o }, o) as WebGPUStorage;
    expect(s3.buffer).toBe(s1.buffer);
    expect((await readAll(b!, s2, "float32", 1000)).every((v) => v === 2)).toBe(true);
    expect((await readAll(b!, s3, "float32", 1000)).every((v) => v === 3)).toBe(true);
  });

  it("refuses tensors over maxStorageBufferBindingSize with a clear error", () => {
    const max = b!.adapter.maxStorageBufferBindingSize;
    const n = Math.floor(max / 4) + 1;
    const o = { shape: [n], dtype: "float32" } as const;
    expect(() => b!.kernels.fill([], { value: 0, ...o }, o)).toThrow(/maxStorageBufferBindingSize/);
  });

  it("a kernel that fails to compile makes the next read reject, then work goes on", async () => {
    const x = viewOf(b!, [1, 2], "float32", [2]);
    b!.ctx.run({ kernel: "test-invalid" }, () => "this is not WGSL", new Params(), [], [1, 1, 1]);
    await expect(readAll(b!, x.storage, "float32", 2)).rejects.toThrow(/webgpu: .*test-invalid|validation/);
    expect(() => b!.ctx.run({ kernel: "test-invalid" }, () => "", new Params(), [], [1, 1, 1])).toThrow(/test-invalid/);
    const y = viewOf(b!, [3, 4], "float32", [2]);
    const s = b!.kernels.mul([y, y], {}, { shape: [2], dtype: "float32" });
    expect(await readAll(b!, s, "float32", 2)).toEqual([9, 16]);
  });

  it("device loss surfaces as errors on kernels and reads, never a hang", async () => {
    const other = await createWebGPUBackend();
    const x = viewOf(other, [1, 2], "float32", [2]);
    other.destroy();
    await new Promise((r) => setTimeout(r, 50));
    await expect(other.read(x.storage, "float32", 0, 2)).rejects.toThrow(/device lost|destroy/i);
    const o = { shape: [2], dtype: "float32" } as const;
    expect(() => other.kernels.fill([], { value: 1, ...o }, o)).toThrow(/device lost/);
  });
});

describe.skipIf(!b)("webgpu float16", () => {
  const f16 = b?.supports("float16") ?? false;
  if (b && !f16) console.warn("Skipping WebGPU float16 tests: the adapter lacks shader-f16");
  it.skipIf(!f16)("stores, computes and reads float16 (matmul, softmax, cast, sum)", async () => {
    const data = [0.5, -1.25, 3, 65504, 1e-3, -0, 2.5, 7];
    const x = viewOf(b!, data, "float16", [2, 4]);
    expectClose(Array.from(await b!.read(x.storage, "float16", 0, 8)), [0.5, -1.25, 3, 65504, 0.0010004043579101562, -0, 2.5, 7]);
    expectClose(Array.from(await b!.read(x.storage, "float16", 3, 3)), [65504, 0.0010004043579101562, -0]);
    const y = viewOf(b!, [1, 2, 3, 4, 5, 6, 7, 8], "float16", { shape: [4, 2], strides: [1, 4], offset: 0 });
    const s = b!.kernels.add([x, x], {}, { shape: [2, 4], dtype: "float16" });
    expectClose(Array.from(await b!.read(s, "float16", 0, 8)), [1, -2.5, 6, Infinity, 0.0020008087158203125, 0, 5, 14]);
    const small = viewOf(b!, [1, 2, 3, 4, 0.5, 0.25, 0, -1], "float16", [2, 4]);
    const mm = b!.kernels.matmul([small, y], {}, { shape: [2, 2], dtype: "float16" });
    expectClose(Array.from(await b!.read(mm, "float16", 0, 4)), [1 + 4 + 9 + 16, 5 + 12 + 21 + 32, 0.5 + 0.5 + 0 - 4, 2.5 + 1.5 + 0 - 8], 1e-3);
    const sm = b!.kernels.softmax([small], { axis: 1 }, { shape: [2, 4], dtype: "float16" });
    const e = [1, 2, 3, 4].map(Math.exp);
    const z = e.reduce((a, c) => a + c, 0);
    expectClose(Array.from(await b!.read(sm, "float16", 0, 4)), e.map((v) => v / z), 2e-3, 1e-3);
    const c32 = b!.kernels.cast([small], { dtype: "float32" }, { shape: [2, 4], dtype: "float32" });
    expect(Array.from(await b!.read(c32, "float32", 0, 8))).toEqual([1, 2, 3, 4, 0.5, 0.25, 0, -1]);
    const sum = b!.kernels.sum([small], { axes: [1] }, { shape: [2, 1], dtype: "float16" });
    expectClose(Array.from(await b!.read(sum, "float16", 0, 2)), [10, -0.25]);
  });
});
