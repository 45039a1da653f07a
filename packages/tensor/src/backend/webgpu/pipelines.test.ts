/**
 * DIVA_PRINT_WGSL: the pipeline cache prints each kernel's WGSL once, under its cache key, when it builds the
 * pipeline (not on later hits, not without the flag). The flag is passed as an env record, so the process's
 * environment is untouched. The first test uses a stand-in device (runs everywhere); the second builds the real
 * matmul kernel on a WebGPU adapter (skipped, with the reason printed, where there is none).
 */
import { describe, expect, it } from "vitest";
import { GpuContext, kernelKey } from "./context.js";
import { ErrorTracker } from "./errors.js";
import { buildKernelTable } from "./kernels/table.js";
import { Params } from "./params.js";
import { PipelineCache } from "./pipelines.js";
import type { CommandQueue } from "./queue.js";
import { gpuOrSkip, readAll, viewOf } from "../../../test/support/webgpu.js";

/** The few GPUDevice members the cache and the error tracker call. */
function standInDevice(): { device: GPUDevice; modules: string[] } {
  const modules: string[] = [];
  const device = {
    addEventListener: () => undefined,
    lost: new Promise<never>(() => undefined),
    pushErrorScope: () => undefined,
    popErrorScope: () => Promise.resolve(null),
    createShaderModule: (d: { code: string }) => (modules.push(d.code), {}),
    createComputePipeline: () => ({ getBindGroupLayout: () => ({}) }),
  } as unknown as GPUDevice;
  return { device, modules };
}

describe("DIVA_PRINT_WGSL", () => {
  it("prints a kernel's source once, with its key, when its pipeline is first built", () => {
    const { device, modules } = standInDevice();
    const printed: string[] = [];
    const cache = new PipelineCache(device, new ErrorTracker(device), { env: { DIVA_PRINT_WGSL: "1" }, print: (t) => printed.push(t) });
    let generated = 0;
    const source = () => (generated++, "@compute @workgroup_size(1) fn main() {}");
    cache.get("demo|f32|r2", source);
    cache.get("demo|f32|r2", source);
    cache.get("demo|f32|r3", source);
    expect(generated).toBe(2);
    expect(modules).toHaveLength(2);
    expect(printed).toEqual(['// diva kernel "demo|f32|r2"\n@compute @workgroup_size(1) fn main() {}', '// diva kernel "demo|f32|r3"\n@compute @workgroup_size(1) fn main() {}']);
  });

  it("prints nothing when the flag is unset, empty or 0", () => {
    for (const env of [{}, { DIVA_PRINT_WGSL: "" }, { DIVA_PRINT_WGSL: "0" }]) {
      const { device } = standInDevice();
      const printed: string[] = [];
      new PipelineCache(device, new ErrorTracker(device), { env, print: (t) => printed.push(t) }).get("k", () => "fn main() {}");
      expect(printed, JSON.stringify(env)).toEqual([]);
    }
  });
});

describe("kernel specs", () => {
  it("the cache key lists the spec's fields by name", () => {
    expect(kernelKey({ kernel: "k", b: 2, a: [1, 2], c: true, d: null })).toBe("k|a=1,2|b=2|c=true|d=null");
    expect(kernelKey({ kernel: "k", c: true, a: [1, 2], d: null, b: 2 })).toBe(kernelKey({ kernel: "k", b: 2, a: [1, 2], c: true, d: null }));
  });

  it("ctx.run builds one pipeline per distinct spec, from that spec, under its key", () => {
    const { device } = standInDevice();
    const printed: string[] = [];
    const tracker = new ErrorTracker(device);
    const pipelines = new PipelineCache(device, tracker, { env: { DIVA_PRINT_WGSL: "1" }, print: (t) => printed.push(t) });
    const queue = { dispatch: () => undefined } as unknown as CommandQueue;
    const ctx = new GpuContext(device, queue, {} as never, pipelines, tracker, {} as GPUSupportedLimits, false);
    const wgsl = (s: { kernel: "demo"; wg: number }) => `@compute @workgroup_size(${s.wg}) fn main() {}`;
    for (const wg of [64, 64, 256]) ctx.run({ kernel: "demo", wg }, wgsl, new Params(), [], [1, 1, 1]);
    expect(printed).toEqual(['// diva kernel "demo|wg=64"\n@compute @workgroup_size(64) fn main() {}', '// diva kernel "demo|wg=256"\n@compute @workgroup_size(256) fn main() {}']);
    expect(pipelines.size).toBe(2);
  });
});

const b = await gpuOrSkip();

describe.skipIf(!b)("DIVA_PRINT_WGSL on a WebGPU device", () => {
  it("building the matmul kernel prints its WGSL once under its matmul cache key", async () => {
    const { device, queue, pool, tracker, limits, f16 } = b!.ctx;
    const printed: string[] = [];
    const pipelines = new PipelineCache(device, tracker, { env: { DIVA_PRINT_WGSL: "1" }, print: (t) => printed.push(t) });
    const kernels = buildKernelTable(new GpuContext(device, queue, pool, pipelines, tracker, limits, f16));
    const a = viewOf(b!, [1, 2, 3, 4], "float32", [2, 2]);
    const eye = viewOf(b!, [1, 0, 0, 1], "float32", [2, 2]);
    for (let i = 0; i < 2; i++) {
      const y = kernels.matmul([a, eye], {}, { shape: [2, 2], dtype: "float32" });
      expect(await readAll(b!, y, "float32", 4)).toEqual([1, 2, 3, 4]);
    }
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/^\/\/ diva kernel "matmul\|[^"]+"\n/);
    expect(printed[0]).toContain("fn main(");
  });
});
