import { describe, expect, it } from "vitest";
import { dawnFlags, findAdapter } from "./loader.js";
import { WebGPUBackend } from "./webgpu-backend.js";
import { expectClose, gpuOrSkip, randoms, readAll, viewOf } from "../../../test/support/webgpu.js";

const b = await gpuOrSkip();
const has = b?.timestamps ?? false;
if (b && !has) console.warn("Skipping the WebGPU timestamp measurements: the adapter lacks timestamp-query (checking the null results instead)");

describe("webgpu Dawn flags", () => {
  it("turn off timestamp quantization, merged with the user's disabled toggles", () => {
    expect(dawnFlags([])).toEqual(["disable-dawn-features=timestamp_quantization"]);
    expect(dawnFlags(["backend=vulkan"])).toEqual(["backend=vulkan", "disable-dawn-features=timestamp_quantization"]);
    expect(dawnFlags(["disable-dawn-features=foo"])).toEqual(["disable-dawn-features=foo,timestamp_quantization"]);
    expect(dawnFlags(["disable-dawn-features="])).toEqual(["disable-dawn-features=timestamp_quantization"]);
  });
});

describe.skipIf(!b)("webgpu GPU timing (timestamp queries)", () => {
  it.skipIf(!has)("a matmul region yields a positive finite time; an empty region yields 0", async () => {
    const n = 128;
    const x = viewOf(b!, randoms(n * n, -1, 1), "float32", [n, n]);
    const y = viewOf(b!, randoms(n * n, -1, 1, 7), "float32", [n, n]);
    b!.kernels.add([x, x], {}, { shape: [n, n], dtype: "float32" }); // recorded before the region: not timed
    const t = await b!.withGpuTiming(() => {
      const out = b!.kernels.matmul([x, y], {}, { shape: [n, n], dtype: "float32" });
      return b!.kernels.matmul([{ ...x, storage: out }, y], {}, { shape: [n, n], dtype: "float32" });
    });
    expect(t.ns).not.toBeNull();
    expect(Number.isFinite(t.ns)).toBe(true);
    expect(t.ns!).toBeGreaterThan(0);
    expect(t.passes).toBe(1); // both dispatches share one compute pass
    const got = await readAll(b!, t.result, "float32", n * n);
    expect(got.every(Number.isFinite)).toBe(true);

    const empty = await b!.withGpuTiming(() => 42);
    expect(empty).toEqual({ result: 42, ns: 0, passes: 0 });
  });

  it.skipIf(!has)("sums over passes split by submissions and reads; regions do not nest; fn errors close the region", async () => {
    const x = viewOf(b!, [1, 2, 3, 4], "float32", [4]);
    const timer = b!.gpuTimer()!;
    expect(() => b!.gpuTimer()).toThrow(/already open/);
    const s1 = b!.kernels.mul([x, x], {}, { shape: [4], dtype: "float32" });
    expect(await readAll(b!, s1, "float32", 4)).toEqual([1, 4, 9, 16]); // a copy and a submission end the pass
    const s2 = b!.kernels.add([x, x], {}, { shape: [4], dtype: "float32" });
    b!.flush();
    const s3 = b!.kernels.add([x, x], {}, { shape: [4], dtype: "float32" });
    expect(timer.passes).toBe(3);
    const t = await timer.stop();
    expect(t.passes).toBe(3);
    expect(t.ns).toBeGreaterThan(0);
    expect(timer.stop()).toBe(timer.stop());
    expectClose(await b!.read(s2, "float32", 0, 4), [2, 4, 6, 8]);
    expectClose(await b!.read(s3, "float32", 0, 4), [2, 4, 6, 8]);

    await expect(
      b!.withGpuTiming(() => {
        b!.kernels.mul([x, x], {}, { shape: [4], dtype: "float32" });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    // The region was closed: a new one opens, and later work is untimed and unaffected.
    const again = await b!.withGpuTiming(() => b!.kernels.add([x, x], {}, { shape: [4], dtype: "float32" }));
    expect(again.passes).toBe(1);
    expect(await readAll(b!, again.result, "float32", 4)).toEqual([2, 4, 6, 8]);
  });

  it.skipIf(!has)("a region with more passes than one query set holds (many submissions)", async () => {
    const x = viewOf(b!, [1, 2], "float32", [2]);
    const t = await b!.withGpuTiming(() => {
      for (let i = 0; i < 100; i++) {
        b!.kernels.add([x, x], {}, { shape: [2], dtype: "float32" });
        b!.flush();
      }
    });
    expect(t.passes).toBe(100);
    expect(t.ns).toBeGreaterThan(0);
  });

  it("without timestamp-query: gpuTimer() is null and withGpuTiming runs fn with ns null", async () => {
    // A device requested without the feature, on this machine's adapter.
    const { choice } = await findAdapter();
    const device = await choice!.adapter.requestDevice({ requiredFeatures: [] });
    const plain = new WebGPUBackend(choice!, device);
    try {
      expect(plain.timestamps).toBe(false);
      expect(plain.gpuTimer()).toBeNull();
      const x = viewOf(plain, [1, 2], "float32", [2]);
      const t = await plain.withGpuTiming(() => plain.kernels.add([x, x], {}, { shape: [2], dtype: "float32" }));
      expect(t.ns).toBeNull();
      expect(t.passes).toBe(0);
      expect(await readAll(plain, t.result, "float32", 2)).toEqual([2, 4]);
    } finally {
      plain.destroy();
    }
  });
});
