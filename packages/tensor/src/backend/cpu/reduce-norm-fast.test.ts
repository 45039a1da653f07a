/**
 * The WebAssembly SIMD reductions, norms and strided copies (wasm/reduce.ts, wasm/norm.ts, wasm/copy.ts and
 * the fast kernels over them: sum, layerNorm, groupNorm, contiguous, square, concat, scatterSlice) and the
 * batched attention (attention-batched.ts) against the reference kernels
 * on resident data: random shapes, odd sizes, offsets, permuted and padded views, one and two threads. Each
 * case also checks that the kernel ran (the job counter moved), so a layout silently left to the
 * JavaScript loops fails.
 */
import fc from "fast-check";
import { describe, expect } from "vitest";
import type { OutputInfo, TensorView } from "../backend.js";
import type { TypedArray } from "../../dtype.js";
import { sizeOf } from "../../shape.js";
import { batchedAttention } from "./attention-batched.js";
import { fastKernels } from "./fast.js";
import { allocOutput } from "./host-pool.js";
import { referenceKernels } from "./reference-kernels.js";
import { CpuStorage } from "./storage.js";
import { copyStridedF32, fillZeroF32 } from "./wasm/copy.js";
import { colSumsF32, rowMomentsF32 } from "./wasm/reduce.js";
import { kernelRuntime } from "./wasm/runtime.js";
import { itWithSharedMemory, permutedStrides, rng } from "../../../test/support/wasm-kernels.js";

const itShared = itWithSharedMemory("SIMD reduction, norm and copy tests", "the JavaScript loops run there");
const jobs = (): number => kernelRuntime()?.stats.jobs ?? 0;
/** Elements from which the host pool hands out resident arrays (64 KiB): smaller outputs are left to the loops. */
const MIN_RESIDENT = 1 << 14;

/** A resident float32 array of at least `n` elements (the pool hands out resident arrays from 64 KiB) filled from `seed`. */
function resident(n: number, seed: number, scale = 4, shift = 0): Float32Array {
  const data = allocOutput("float32", Math.max(n, MIN_RESIDENT), false) as Float32Array;
  const rand = rng(seed);
  for (let i = 0; i < data.length; i++) data[i] = rand() * scale + shift;
  expect(kernelRuntime()!.addressOf(data)).toBeDefined();
  return data;
}

/** A resident view of `shape` with its dims stored in the order `perm`, the innermost padded by `pad`, after `offset`. */
function view(shape: readonly number[], seed: number, perm?: readonly number[], pad = 0, offset = 0, shift = 0): TensorView {
  const { strides, extent: acc } = permutedStrides(shape, perm, pad);
  return { storage: new CpuStorage(resident(offset + acc + 2, seed, 4, shift)), dtype: "float32", shape, strides, offset };
}

type AnyKernel = (i: readonly TensorView[], a: unknown, o: OutputInfo) => CpuStorage;
const kernel = (table: unknown, name: string): AnyKernel => (table as Record<string, AnyKernel>)[name]!;

/** got and want hold the same float32 bits (a count of differences, not a diff of large arrays). */
function expectSame(got: TypedArray, want: TypedArray, what = ""): void {
  expect(got.length).toBe(want.length);
  const a = new Uint32Array(Float32Array.from(got).buffer), b = new Uint32Array(Float32Array.from(want).buffer);
  let diff = 0, first = -1;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && diff++ === 0) first = i;
  expect(diff, `${what}: ${diff} elements differ, the first at ${first}`).toBe(0);
}

function expectClose(got: TypedArray, want: TypedArray, tol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= tol * (1 + Math.abs(want[i]!)))) throw new Error(`element ${i}: ${got[i]} vs ${want[i]}`);
  }
}

describe("SIMD row moments and column sums", () => {
  itShared("match float64 sums on random blocks, strides, offsets and thread counts (and few long rows cut in pieces)", () => {
    const cases: [number, number, number, number][] = [
      [1, 1, 0, 0],
      [3, 7, 2, 5],
      [17, 33, 40, 1],
      [64, 256, 256, 0],
      [2, 40000, 40003, 3],
      [1, 300001, 0, 2],
      [700, 5, 9, 4],
    ];
    for (const [rows, len, pad, offset] of cases) {
      const stride = Math.max(len, pad);
      const data = resident(offset + rows * stride + 8, rows * 31 + len);
      for (const threads of [1, 2]) {
        const before = jobs();
        const m = rowMomentsF32(data, offset, stride, rows, len, true, threads)!;
        const cs = colSumsF32(data, offset, stride, rows, len, threads)!;
        expect(jobs()).toBeGreaterThan(before);
        // worst error over the bound 1e-12 * (sum |x| + 1) (float64 sums in another order)
        let worst = 0;
        for (let r = 0; r < rows; r++) {
          let s = 0, q = 0, a = 0;
          for (let j = 0; j < len; j++) {
            const v = data[offset + r * stride + j]!;
            s += v;
            q += v * v;
            a += Math.abs(v);
          }
          worst = Math.max(worst, Math.abs(m.sum[r]! - s) / (a + 1), Math.abs(m.sq[r]! - q) / (q + 1));
        }
        const cRef = new Float64Array(len), cAbs = new Float64Array(len);
        for (let r = 0; r < rows; r++)
          for (let j = 0; j < len; j++) {
            const v = data[offset + r * stride + j]!;
            cRef[j] += v;
            cAbs[j] += Math.abs(v);
          }
        for (let j = 0; j < len; j++) worst = Math.max(worst, Math.abs(cs[j]! - cRef[j]!) / (cAbs[j]! + 1));
        expect(worst, `rows ${rows} len ${len} threads ${threads}`).toBeLessThanOrEqual(1e-12);
      }
    }
  });

  itShared("reject blocks that reach past the array and leave ordinary arrays to the caller", () => {
    const data = resident(100, 1);
    expect(() => rowMomentsF32(data, data.length - 5, 10, 2, 6, false)).toThrow(/reach past/);
    expect(() => colSumsF32(data, 0, -1, 2, 6)).toThrow(/rowStride/);
    expect(rowMomentsF32(new Float32Array(64), 0, 8, 8, 8, false)).toBeUndefined();
    expect(colSumsF32(new Float32Array(64), 0, 8, 8, 8)).toBeUndefined();
  });
});

describe("SIMD sum kernel", () => {
  itShared("matches the reference for leading, trailing and whole-tensor sums on resident views with odd sizes", () => {
    const fast = kernel(fastKernels, "sum"), ref = kernel(referenceKernels, "sum");
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 37 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 4 }), fc.integer(), (shape, pad, offset, seed) => {
        const r = shape.length;
        const x = view(shape, seed, undefined, pad, offset);
        const layouts: number[][] = [];
        for (let cut = 1; cut <= r; cut++) layouts.push(shape.map((_, i) => i).slice(0, cut));
        for (let cut = 1; cut < r; cut++) layouts.push(shape.map((_, i) => i).slice(cut));
        for (const axes of layouts) {
          const o = { shape: shape.filter((_, i) => !axes.includes(i)), dtype: "float32" as const };
          // the kernel needs the kept dims (leading sums) or the reduced dims (trailing and whole sums) contiguous
          const leading = !axes.includes(r - 1);
          const takes = pad === 0 || (leading ? r - axes.length === 1 : axes.length === 1);
          const before = jobs();
          const got = fast([x], { axes }, o).data;
          if (takes) expect(jobs(), `axes ${axes} of [${shape}] pad ${pad}`).toBeGreaterThan(before);
          expectClose(got, ref([x], { axes }, o).data, 1e-6);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("SIMD layer norm and group norm", () => {
  itShared("layer norm matches the reference on resident rows with and without affine, odd lengths, offsets and a large mean", () => {
    const fast = kernel(fastKernels, "layerNorm"), ref = kernel(referenceKernels, "layerNorm");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 300 }), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 5 }), fc.constantFrom(0, 50), fc.integer(), (extra, len, w, b, offset, shift, seed) => {
        const rows = Math.ceil(MIN_RESIDENT / len) + extra;
        const x = view([rows, len], seed, undefined, 0, offset, shift);
        const inputs = [x];
        if (w) inputs.push(view([len], seed + 1, undefined, 0, 3));
        if (b) inputs.push(view([len], seed + 2));
        const attrs = { dims: 1, eps: 1e-5, weight: w, bias: b };
        const out = { shape: [rows, len], dtype: "float32" as const };
        const before = jobs();
        const got = fast(inputs, attrs, out).data;
        expect(jobs()).toBeGreaterThan(before);
        expectClose(got, ref(inputs, attrs, out).data, 3e-5);
      }),
      { numRuns: 60 },
    );
  });

  itShared("group norm (+SiLU) matches the reference for any group count, spatial size, affine and a large mean", () => {
    const fast = kernel(fastKernels, "groupNorm"), ref = kernel(referenceKernels, "groupNorm");
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 1, max: 19 }), { minLength: 0, maxLength: 2 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(0, 30),
        fc.integer(),
        (extra, groups, perGroup, spatial, silu, affine, shift, seed) => {
          const C = groups * perGroup;
          const n = Math.ceil(MIN_RESIDENT / (C * sizeOf(spatial))) + extra;
          const shape = [n, C, ...spatial];
          const x = view(shape, seed, undefined, 0, seed & 3, shift);
          const inputs = [x];
          if (affine) inputs.push(view([C], seed + 1, undefined, 0, 5), view([C], seed + 2));
          const attrs = { groups, eps: 1e-5, weight: affine, bias: affine, activation: silu ? ("silu" as const) : ("none" as const) };
          const out = { shape, dtype: "float32" as const };
          const before = jobs();
          const got = fast(inputs, attrs, out).data;
          expect(jobs()).toBeGreaterThan(before);
          expectClose(got, ref(inputs, attrs, out).data, 3e-5);
        },
      ),
      { numRuns: 80 },
    );
  });

  itShared("group norm of a DIVA-sized activation ([2, 32, 64, 64], SiLU) on two threads matches the reference", () => {
    const x = view([2, 32, 64, 64], 7);
    const w = view([32], 8), b = view([32], 9);
    const attrs = { groups: 32, eps: 1e-6, weight: true, bias: true, activation: "silu" as const };
    const out = { shape: [2, 32, 64, 64], dtype: "float32" as const };
    expectClose(kernel(fastKernels, "groupNorm")([x, w, b], attrs, out).data, kernel(referenceKernels, "groupNorm")([x, w, b], attrs, out).data, 3e-5);
  });
});

describe("SIMD strided copies", () => {
  itShared("contiguous copies of permuted, padded and offset resident views are the reference's bit for bit", () => {
    const fast = kernel(fastKernels, "contiguous"), ref = kernel(referenceKernels, "contiguous");
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 2, max: 21 }), { minLength: 0, maxLength: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer(), (dims, pad, offset, seed) => {
        const shape = [Math.ceil(MIN_RESIDENT / sizeOf(dims)), ...dims];
        const r = shape.length;
        // the innermost dim stays innermost (the kernel copies contiguous runs); the others are shuffled
        const outer = shape.map((_, i) => i).slice(0, r - 1);
        const perm = [...outer.sort((a, b) => ((a * 7 + seed) % 5) - ((b * 7 + seed) % 5)), r - 1];
        const x = view(shape, seed, perm, pad, offset);
        const out = { shape, dtype: "float32" as const };
        const before = jobs();
        const got = fast([x], {}, out).data;
        expect(jobs()).toBeGreaterThan(before);
        expectSame(got, ref([x], {}, out).data, `contiguous [${shape}]`);
      }),
      { numRuns: 80 },
    );
  });

  itShared("copy and zero fill write exactly the view, on both threads, and refuse views outside their arrays", () => {
    const src = resident(70000, 3), dst = resident(100000, 4);
    const keep = Float32Array.from(dst);
    const shape = [3, 50, 7, 61];
    const sStr = [61 * 7 * 52, 61 * 7, 61, 1], dStr = [-(70 * 8 * 51), 70 * 8, 70, 1];
    const dOff = 2 * 70 * 8 * 51 + 5;
    expect(copyStridedF32({ data: src, offset: 11, strides: sStr }, { data: dst, offset: dOff, strides: dStr }, shape, 2)).toBe(true);
    const written = new Uint8Array(dst.length);
    let wrong = 0;
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 50; b++)
        for (let c = 0; c < 7; c++)
          for (let d = 0; d < 61; d++) {
            const di = dOff + a * dStr[0]! + b * dStr[1]! + c * dStr[2]! + d;
            written[di] = 1;
            if (dst[di] !== src[11 + a * sStr[0]! + b * sStr[1]! + c * sStr[2]! + d]) wrong++;
          }
    for (let i = 0; i < dst.length; i++) if (!written[i] && dst[i] !== keep[i]) wrong++;
    expect(wrong, "elements copied wrongly or written outside the view").toBe(0);
    expect(fillZeroF32({ data: dst, offset: dOff, strides: dStr }, shape, 2)).toBe(true);
    for (let i = 0; i < dst.length; i++) if (dst[i] !== (written[i] ? 0 : keep[i])) wrong++;
    expect(wrong, "elements zeroed wrongly").toBe(0);
    expect(() => copyStridedF32({ data: src, offset: 0, strides: [1] }, { data: dst, offset: dst.length - 3, strides: [1] }, [4])).toThrow(/outside/);
    expect(copyStridedF32({ data: new Float32Array(8), offset: 0, strides: [1] }, { data: dst, offset: 0, strides: [1] }, [8])).toBe(false);
  });

  itShared("square on resident data runs on the SIMD kernel and equals the reference bit for bit", () => {
    const x = view([3, 1000, 7], 12, undefined, 0, 3);
    const out = { shape: [3, 1000, 7], dtype: "float32" as const };
    const before = jobs();
    const got = kernel(fastKernels, "square")([x], {}, out).data;
    expect(jobs()).toBeGreaterThan(before);
    expectSame(got, kernel(referenceKernels, "square")([x], {}, out).data, "square");
  });
});

describe("SIMD concat and scatterSlice", () => {
  itShared("concat along each axis and scatterSlice with steps and fill values match the reference bit for bit", () => {
    const shape = [4, 6, 30, 25];
    for (let axis = 0; axis < 4; axis++) {
      const a = view(shape, axis + 1), b = view(shape.map((d, i) => (i === axis ? d + 3 : d)), axis + 2, undefined, 1, 2);
      const out = { shape: shape.map((d, i) => (i === axis ? 2 * d + 3 : d)), dtype: "float32" as const };
      const before = jobs();
      const got = kernel(fastKernels, "concat")([a, b], { axis }, out).data;
      expect(jobs(), `axis ${axis}`).toBeGreaterThan(before);
      expectSame(got, kernel(referenceKernels, "concat")([a, b], { axis }, out).data, `concat axis ${axis}`);
    }
    const x = view([4, 6, 30, 25], 5, [0, 2, 1, 3], 2, 1);
    for (const value of [0, -2.5]) {
      const attrs = { starts: [1, 0, 3, 2], steps: [1, 2, 1, 1], value, shape: [6, 12, 40, 30] };
      const out = { shape: [6, 12, 40, 30], dtype: "float32" as const };
      const before = jobs();
      const got = kernel(fastKernels, "scatterSlice")([x], attrs, out).data;
      expect(jobs()).toBeGreaterThan(before);
      expectSame(got, kernel(referenceKernels, "scatterSlice")([x], attrs, out).data, `scatterSlice fill ${value}`);
    }
  });
});

describe("batched attention", () => {
  itShared("matches the reference on head-permuted, transposed and odd-sized resident operands, in one chunk or several", () => {
    const ref = kernel(referenceKernels, "attention");
    const cases: { B: number; H: number; Lq: number; Lk: number; D: number; Dv: number }[] = [
      { B: 2, H: 3, Lq: 37, Lk: 29, D: 5, Dv: 3 },
      { B: 3, H: 2, Lq: 64, Lk: 65, D: 32, Dv: 32 },
      { B: 1, H: 1, Lq: 1, Lk: 1, D: 1, Dv: 1 },
    ];
    for (const { B, H, Lq, Lk, D, Dv } of cases) {
      // q and v as [B, L, H, D] memory seen as [B, H, L, D] (the DIVA step's head split); k stored transposed
      const q = view([B, H, Lq, D], Lq + 1, [0, 2, 1, 3]);
      const k = view([B, H, Lk, D], Lk + 2, [0, 1, 3, 2], 0, 3);
      const v = view([B, H, Lk, Dv], Dv + 3, [0, 2, 1, 3], 1);
      const attrs = { scale: 0.37, causal: false, mask: "none" as const };
      const out = { shape: [B, H, Lq, Dv], dtype: "float32" as const };
      const want = ref([q, k, v], attrs, out).data;
      for (const maxScores of [H * Lq * Lk, 2 * H * Lq * Lk + 1, 1 << 22]) {
        const got = batchedAttention([q, k, v], attrs, out, maxScores);
        expect(got, `[${B}, ${H}, ${Lq}, ${Lk}]`).toBeDefined();
        expectClose(got!.data, want, 1e-5);
      }
      expectClose(kernel(fastKernels, "attention")([q, k, v], attrs, out).data, want, 1e-5);
    }
    // masks, causal attention and ordinary arrays take the per-entry path
    const q = view([2, 5, 4], 1), k = view([2, 5, 4], 2), v = view([2, 5, 4], 3);
    const out = { shape: [2, 5, 4], dtype: "float32" as const };
    expect(batchedAttention([q, k, v], { scale: 1, causal: true, mask: "none" }, out)).toBeUndefined();
    const plain = { ...q, storage: new CpuStorage(new Float32Array(40)) };
    expect(batchedAttention([plain, k, v], { scale: 1, causal: false, mask: "none" }, out)).toBeUndefined();
  });
});
