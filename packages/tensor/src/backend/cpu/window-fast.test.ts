/**
 * im2col (unfold) of resident float32 on the WebAssembly strided-copy kernel, and copies whose source has a
 * strided innermost dim (transposes), against the reference kernels bit for bit: random windows (strides
 * 1-3, padding, dilation), permuted and padded input views, one and two threads. Each case checks that the
 * kernel ran (the job counter moved), so a layout silently left to the JavaScript loops fails.
 */
import fc from "fast-check";
import { describe, expect } from "vitest";
import type { KernelAttrs, OutputInfo, TensorView, Window2d } from "../backend.js";
import { windowOutSize } from "../../shape.js";
import { fastKernels } from "./fast.js";
import { allocOutput } from "./host-pool.js";
import { referenceKernels } from "./reference-kernels.js";
import { CpuStorage } from "./storage.js";
import { setCpuThreads, getCpuThreads } from "./wasm/threads.js";
import { kernelRuntime } from "./wasm/runtime.js";
import { itWithSharedMemory, rng } from "../../../test/support/wasm-kernels.js";

const itShared = itWithSharedMemory("SIMD im2col and strided-copy tests", "the JavaScript loops run there");
const jobs = (): number => kernelRuntime()?.stats.jobs ?? 0;

/** A resident float32 view of `shape`, dims stored in the order `perm`, the innermost padded by `pad`, after `offset`. */
function view(shape: readonly number[], seed: number, perm: readonly number[], pad: number, offset: number): TensorView {
  const strides = new Array<number>(shape.length).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[perm[i]!] = acc;
    acc *= shape[perm[i]!]! + (i === shape.length - 1 ? pad : 0);
  }
  // at least 64 KiB, so the host pool hands out a resident array
  const data = allocOutput("float32", Math.max(offset + acc + 2, 1 << 14), false) as Float32Array;
  const rand = rng(seed);
  for (let i = 0; i < data.length; i++) data[i] = rand() * 4 - 2;
  expect(kernelRuntime()!.addressOf(data)).toBeDefined();
  return { storage: new CpuStorage(data), dtype: "float32", shape, strides, offset };
}

type AnyKernel = (i: readonly TensorView[], a: unknown, o: OutputInfo) => CpuStorage;
const kernel = (table: unknown, name: string): AnyKernel => (table as Record<string, AnyKernel>)[name]!;

function expectSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  const a = new Uint32Array(Float32Array.from(got).buffer), b = new Uint32Array(Float32Array.from(want).buffer);
  let diff = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff++;
  expect(diff, `${what}: elements that differ from the reference`).toBe(0);
}

function withThreads<T>(t: number, f: () => T): T {
  const prev = getCpuThreads();
  setCpuThreads(t);
  try {
    return f();
  } finally {
    setCpuThreads(prev);
  }
}

describe("im2col and strided copies on the WebAssembly kernel", () => {
  itShared("unfold matches the reference on random windows and layouts, one and two threads", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 3, max: 6 }), fc.integer({ min: 12, max: 33 }), fc.integer({ min: 12, max: 33 })),
        fc.record({
          kernel: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
          stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
          padding: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
          dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
        }),
        fc.constantFrom([0, 1, 2, 3], [0, 2, 3, 1], [1, 0, 3, 2], [0, 1, 3, 2]),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer(),
        (shape, win: Window2d, perm, pad, threads, seed) => {
          const [N, C, H, W] = shape;
          const oh = windowOutSize(H, win.kernel[0], win.stride[0], win.padding[0], win.dilation[0]);
          const ow = windowOutSize(W, win.kernel[1], win.stride[1], win.padding[1], win.dilation[1]);
          fc.pre(oh > 0 && ow > 0 && N * C * win.kernel[0] * win.kernel[1] * oh * ow >= 1 << 14);
          const x = view(shape, seed, perm, pad, pad + 1);
          const out = { shape: [N, C * win.kernel[0] * win.kernel[1], oh * ow], dtype: "float32" as const };
          const before = jobs();
          const got = withThreads(threads, () => kernel(fastKernels, "unfold")([x], win, out).data);
          expect(jobs(), "the kernel ran").toBeGreaterThan(before);
          expectSame(got, kernel(referenceKernels, "unfold")([x], win, out).data, `unfold [${shape}] ${JSON.stringify(win)}`);
        },
      ),
      { numRuns: 30 },
    );
  });

  itShared("the stride-2 convolutions of the VAE (im2col + GEMM) match the reference", () => {
    const attrs: KernelAttrs["conv2d"] = { kernel: [3, 3], stride: [2, 2], padding: [0, 0], dilation: [1, 1], groups: 1 };
    const x = view([2, 8, 33, 33], 3, [0, 1, 2, 3], 0, 0);
    const w = view([8, 8, 3, 3], 4, [0, 1, 2, 3], 0, 0);
    const out = { shape: [2, 8, 16, 16], dtype: "float32" as const };
    const before = jobs();
    const got = kernel(fastKernels, "conv2d")([x, w], attrs, out).data;
    expect(jobs()).toBeGreaterThan(before);
    const want = kernel(referenceKernels, "conv2d")([x, w], attrs, out).data;
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i]!)));
  });

  itShared("contiguous copies of views with a strided innermost dim (transposes) run on the kernel", () => {
    for (const [shape, perm] of [[[300, 70], [1, 0]], [[3, 40, 150], [0, 2, 1]], [[5, 7, 9, 60], [3, 1, 2, 0]]] as const) {
      for (const threads of [1, 2]) {
        const x = view(shape, 7, perm, 1, 3);
        const out = { shape: [...shape], dtype: "float32" as const };
        const before = jobs();
        const got = withThreads(threads, () => kernel(fastKernels, "contiguous")([x], {}, out).data);
        expect(jobs(), "the kernel ran").toBeGreaterThan(before);
        expectSame(got, kernel(referenceKernels, "contiguous")([x], {}, out).data, `contiguous [${shape}] perm ${perm}`);
      }
    }
  });
});
