/**
 * The fast CPU conv2d (Winograd F(2x2,3x3) and im2col + WebAssembly GEMM) against the reference kernel on
 * random shapes, odd sizes, padding 0..2, groups and non-contiguous (permuted, padded, flipped) views; and
 * the packed-weight cache (hits, invalidation when a storage is freed, the byte budget).
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { KernelAttrs, TensorView } from "../backend.js";
import { windowOutSize } from "../../shape.js";
import { fastConv2dKernel, setConvAlgorithm, winogradApplies } from "./conv-fast.js";
import { createCpuBackend } from "./cpu-backend.js";
import { referenceKernels } from "./reference-kernels.js";
import { fastKernels } from "./fast.js";
import { forgetPackedWeights, packedWeightCacheStats, setPackedWeightCacheBytes } from "./packed-weights.js";
import { CpuStorage } from "./storage.js";
import { getCpuThreads, setCpuThreads } from "./wasm/index.js";
import { rng } from "../../../test/support/wasm-kernels.js";
import { conv3x3WinogradF32, winogradImageBytes, winogradWeightsF32 } from "./wasm/winograd.js";

/** A random float32 view of `shape` stored in dim order `perm`, rows padded by `pad`, dims in `flips` reversed. */
function view(shape: readonly number[], seed: number, perm: readonly number[], pad: number, flips: readonly number[] = []): TensorView {
  const r = shape.length;
  const strides = new Array<number>(r).fill(0);
  let acc = 1;
  for (let i = r - 1; i >= 0; i--) {
    const d = perm[i]!;
    strides[d] = acc;
    acc *= shape[d]! + (i === r - 1 ? pad : 0);
  }
  const data = new Float32Array(pad + Math.max(acc, 1) + 1);
  const rand = rng(seed);
  for (let i = 0; i < data.length; i++) data[i] = rand();
  let offset = pad;
  for (const d of flips) {
    offset += (shape[d]! - 1) * strides[d]!;
    strides[d] = -strides[d]!;
  }
  return { storage: new CpuStorage(data), dtype: "float32", shape, strides, offset };
}

function attrs(padding: [number, number], groups = 1, kernel: [number, number] = [3, 3], stride: [number, number] = [1, 1], dilation: [number, number] = [1, 1]): KernelAttrs["conv2d"] {
  return { kernel, stride, padding, dilation, groups };
}

function outShape(x: TensorView, w: TensorView, a: KernelAttrs["conv2d"]): number[] {
  const oh = windowOutSize(x.shape[2]!, a.kernel[0], a.stride[0], a.padding[0], a.dilation[0]);
  const ow = windowOutSize(x.shape[3]!, a.kernel[1], a.stride[1], a.padding[1], a.dilation[1]);
  return [x.shape[0]!, w.shape[0]!, oh, ow];
}

/** Largest |got - want| relative to the largest |want| (the parity tests' measure). */
function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let err = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return scale > 0 ? err / scale : err;
}

const data = (s: unknown): Float32Array => (s as CpuStorage).data as Float32Array;

afterEach(() => {
  setConvAlgorithm("auto");
});

const layouts = [[0, 1, 2, 3], [0, 2, 3, 1], [1, 0, 3, 2], [3, 2, 1, 0]] as const;

describe("fast conv2d", () => {
  it("Winograd F(2x2,3x3) matches the reference on random shapes, odd sizes, padding and views", () => {
    setConvAlgorithm("winograd");
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 })),
        fc.tuple(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 13 })),
        fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
        fc.constantFrom(...layouts),
        fc.constantFrom(...layouts),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        fc.integer(),
        ([N, C, O], [H, W], padding, xPerm, wPerm, pad, flipW, seed) => {
          fc.pre(H + 2 * padding[0] >= 3 && W + 2 * padding[1] >= 3);
          const x = view([N, C, H, W], seed, xPerm, pad);
          const w = view([O, C, 3, 3], seed + 1, wPerm, pad, flipW ? [2, 3] : []);
          const a = attrs(padding);
          const out = { shape: outShape(x, w, a), dtype: "float32" as const };
          expect(winogradApplies(a, "float32")).toBe(true);
          const got = data(fastConv2dKernel([x, w], a, out));
          const want = data(referenceKernels.conv2d([x, w], a, out));
          expect(relErr(got, want)).toBeLessThan(2e-6);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("im2col + GEMM matches the reference (any window, groups, views)", () => {
    setConvAlgorithm("gemm");
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 })),
        fc.tuple(fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 11 })),
        fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
        fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 2 })),
        fc.constantFrom(...layouts),
        fc.constantFrom(...layouts),
        fc.integer({ min: 0, max: 2 }),
        fc.integer(),
        ([N, G, cg, og], [H, W], kernel, [s, s2, p, dl], xPerm, wPerm, pad, seed) => {
          const a = attrs([p, Math.min(p, 1)], G, kernel, [s, s2], [dl, 1]);
          fc.pre(windowOutSize(H, kernel[0], s, p, dl) > 0 && windowOutSize(W, kernel[1], s2, a.padding[1], 1) > 0);
          const x = view([N, G * cg, H, W], seed, xPerm, pad);
          const w = view([G * og, cg, kernel[0], kernel[1]], seed + 1, wPerm, pad, seed % 2 ? [3] : []);
          const out = { shape: outShape(x, w, a), dtype: "float32" as const };
          const got = data(fastConv2dKernel([x, w], a, out));
          const want = data(referenceKernels.conv2d([x, w], a, out));
          expect(relErr(got, want)).toBeLessThan(2e-6);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("Winograd's SIMD and JavaScript transforms agree (to float32 rounding)", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 })),
        fc.tuple(fc.integer({ min: 1, max: 21 }), fc.integer({ min: 1, max: 21 })),
        fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
        fc.constantFrom(...layouts),
        fc.integer(),
        ([N, C, O], [H, W], padding, perm, seed) => {
          fc.pre(H + 2 * padding[0] >= 3 && W + 2 * padding[1] >= 3);
          const x = view([N, C, H, W], seed, perm, 1);
          const w = view([O, C, 3, 3], seed + 1, [0, 1, 2, 3], 0);
          const u = winogradWeightsF32({ data: data(w.storage), offset: w.offset, shape: [O, C, 3, 3], strides: w.strides as [number, number, number, number] });
          const oh = H + 2 * padding[0] - 2, ow = W + 2 * padding[1] - 2;
          const xs = { data: data(x.storage), offset: x.offset, shape: [N, C, H, W] as const, strides: x.strides as [number, number, number, number] };
          const simd = new Float32Array(N * O * oh * ow), js = new Float32Array(N * O * oh * ow);
          conv3x3WinogradF32(xs, u, O, simd, { padding, simd: true });
          conv3x3WinogradF32(xs, u, O, js, { padding, simd: false });
          expect(relErr(simd, js)).toBeLessThan(1e-6);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("Winograd over a batch split into chunks of images gives the same bits", () => {
    const x = view([5, 17, 9, 11], 5, [0, 2, 3, 1], 2);
    const w = view([6, 17, 3, 3], 6, [0, 1, 2, 3], 0);
    const u = winogradWeightsF32({ data: data(w.storage), offset: 0, shape: [6, 17, 3, 3], strides: w.strides as [number, number, number, number] });
    const xs = { data: data(x.storage), offset: x.offset, shape: [5, 17, 9, 11] as const, strides: x.strides as [number, number, number, number] };
    const whole = new Float32Array(5 * 6 * 9 * 11), parts = new Float32Array(5 * 6 * 9 * 11);
    conv3x3WinogradF32(xs, u, 6, whole, { padding: [1, 1] });
    conv3x3WinogradF32(xs, u, 6, parts, { padding: [1, 1], chunkBytes: 2 * winogradImageBytes(17, 6, 9, 11, [1, 1]) });
    expect(Buffer.from(parts.buffer).equals(Buffer.from(whole.buffer))).toBe(true);
  });

  it("gives the same bits with 1 and 2 threads (Winograd and GEMM)", () => {
    const before = getCpuThreads();
    try {
      for (const algo of ["winograd", "gemm"] as const) {
        setConvAlgorithm(algo);
        const x = view([2, 24, 19, 17], 7, [0, 1, 2, 3], 0);
        const w = view([40, 24, 3, 3], 8, [0, 1, 2, 3], 0);
        const a = attrs([1, 1]);
        const out = { shape: outShape(x, w, a), dtype: "float32" as const };
        setCpuThreads(1);
        const one = data(fastConv2dKernel([x, w], a, out)).slice();
        setCpuThreads(2);
        const two = data(fastConv2dKernel([x, w], a, out));
        expect(Buffer.from(two.buffer, two.byteOffset, two.byteLength).equals(Buffer.from(one.buffer))).toBe(true);
      }
    } finally {
      setCpuThreads(before);
    }
  });

  it("is the fast table's conv2d and falls back to the reference for float64", () => {
    expect(fastKernels.conv2d).toBe(fastConv2dKernel);
    const x = view([1, 2, 5, 5], 3, [0, 1, 2, 3], 0);
    const w = view([3, 2, 3, 3], 4, [0, 1, 2, 3], 0);
    const x64: TensorView = { ...x, dtype: "float64", storage: new CpuStorage(Float64Array.from(data(x.storage))) };
    const w64: TensorView = { ...w, dtype: "float64", storage: new CpuStorage(Float64Array.from(data(w.storage))) };
    const a = attrs([1, 1]);
    const out = { shape: outShape(x, w, a), dtype: "float64" as const };
    const got = (fastConv2dKernel([x64, w64], a, out) as CpuStorage).data;
    expect(got).toBeInstanceOf(Float64Array);
    expect([...got]).toEqual([...(referenceKernels.conv2d([x64, w64], a, out) as CpuStorage).data]);
  });
});

describe("packed-weight cache", () => {
  it("transforms a weight once, and forgets it when the backend frees the storage", () => {
    setConvAlgorithm("winograd");
    const x = view([1, 4, 6, 6], 1, [0, 1, 2, 3], 0);
    const w = view([5, 4, 3, 3], 2, [0, 1, 2, 3], 0);
    const a = attrs([1, 1]);
    const out = { shape: outShape(x, w, a), dtype: "float32" as const };
    const s0 = packedWeightCacheStats();
    const first = data(fastConv2dKernel([x, w], a, out)).slice();
    const s1 = packedWeightCacheStats();
    expect(s1.misses).toBe(s0.misses + 1);
    expect(data(fastConv2dKernel([x, w], a, out))).toEqual(first);
    const s2 = packedWeightCacheStats();
    expect(s2.hits).toBe(s1.hits + 1);
    expect(s2.entries).toBe(s1.entries);
    // a different view of the same storage is a different entry
    const flipped: TensorView = { ...w, strides: [w.strides[0]!, w.strides[1]!, -w.strides[2]!, -w.strides[3]!], offset: w.offset + 2 * w.strides[2]! + 2 * w.strides[3]! };
    fastConv2dKernel([x, flipped], a, out);
    expect(packedWeightCacheStats().entries).toBe(s2.entries + 1);
    createCpuBackend(fastKernels).free(w.storage);
    const s3 = packedWeightCacheStats();
    expect(s3.entries).toBe(s2.entries - 1);
    expect(s3.bytes).toBe(s2.bytes - 16 * 5 * 4 * 4);
    forgetPackedWeights(w.storage); // idempotent
    expect(packedWeightCacheStats().entries).toBe(s3.entries);
  });

  it("stays within its byte budget, evicting the least recently used form", () => {
    setConvAlgorithm("winograd");
    const prev = setPackedWeightCacheBytes(0); // empties the cache
    setPackedWeightCacheBytes(3 * 16 * 8 * 8 * 4);
    try {
      const x = view([1, 8, 5, 5], 1, [0, 1, 2, 3], 0);
      const a = attrs([0, 0]);
      const ws = [0, 1, 2, 3].map((i) => view([8, 8, 3, 3], 10 + i, [0, 1, 2, 3], 0));
      const out = { shape: outShape(x, ws[0]!, a), dtype: "float32" as const };
      const before = packedWeightCacheStats();
      for (const w of ws) fastConv2dKernel([x, w], a, out);
      const s = packedWeightCacheStats();
      expect(s.bytes).toBeLessThanOrEqual(s.capBytes);
      expect(s.evictions).toBe(before.evictions + 1);
      // the first weight was evicted (a miss), the last is still cached (a hit)
      fastConv2dKernel([x, ws[3]!], a, out);
      expect(packedWeightCacheStats().hits).toBe(s.hits + 1);
      fastConv2dKernel([x, ws[0]!], a, out);
      expect(packedWeightCacheStats().misses).toBe(s.misses + 1);
      expect(() => setPackedWeightCacheBytes(-1)).toThrow(/non-negative/);
    } finally {
      setPackedWeightCacheBytes(prev);
    }
  });
});
