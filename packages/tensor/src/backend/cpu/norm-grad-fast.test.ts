/**
 * The fused normalisation backward (`normGrad`): the WebAssembly passes (wasm/norm-grad.ts, through the fast
 * kernel) against the float64 reference kernel on resident data: random row counts and odd lengths, offsets,
 * a large mean, one and two threads (the same bits), a DIVA-sized group-norm activation; permuted and padded
 * views go to the reference. Each resident case checks that the kernel ran (the job counter moved).
 */
import fc from "fast-check";
import { describe, expect } from "vitest";
import type { Kernel, KernelAttrs, TensorView } from "../backend.js";
import type { TypedArray } from "../../dtype.js";
import { fastKernels } from "./fast.js";
import { allocOutput } from "./host-pool.js";
import { referenceKernels } from "./reference-kernels.js";
import { CpuStorage, dataOf } from "./storage.js";
import { normGradF32 } from "./wasm/norm-grad.js";
import { kernelRuntime } from "./wasm/runtime.js";
import { itWithSharedMemory, permutedStrides, rng } from "../../../test/support/wasm-kernels.js";

const itShared = itWithSharedMemory("normGrad SIMD tests", "the reference kernel runs there");
const jobs = (): number => kernelRuntime()?.stats.jobs ?? 0;
/** Elements from which the host pool hands out resident arrays (64 KiB). */
const MIN_RESIDENT = 1 << 14;

function resident(n: number, seed: number, shift: number): Float32Array {
  const data = allocOutput("float32", Math.max(n, MIN_RESIDENT), false) as Float32Array;
  const rand = rng(seed);
  for (let i = 0; i < data.length; i++) data[i] = rand() * 4 - 2 + shift;
  expect(kernelRuntime()!.addressOf(data)).toBeDefined();
  return data;
}

/** A resident view of `shape` (dims stored in the order `perm`, innermost padded by `pad`) after `offset`. */
function view(shape: readonly number[], seed: number, offset = 0, shift = 0, perm?: readonly number[], pad = 0): TensorView {
  const { strides, extent: acc } = permutedStrides(shape, perm, pad);
  return { storage: new CpuStorage(resident(offset + acc, seed, shift)), dtype: "float32", shape, strides, offset };
}

type NormGradKernel = (...a: Parameters<Kernel<KernelAttrs["normGrad"]>>) => CpuStorage;
const fast = fastKernels.normGrad as NormGradKernel, ref = referenceKernels.normGrad as NormGradKernel;

/** |got - want| <= tol (1 + |want|) elementwise. */
function expectClose(got: TypedArray, want: TypedArray, tol: number, what: string): void {
  expect(got.length).toBe(want.length);
  let worst = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!));
    if (!(e <= worst)) [worst, at] = [e, i];
  }
  expect(worst, `${what}: worst relative error at ${at}: ${got[at]} vs ${want[at]}`).toBeLessThanOrEqual(tol);
}

describe("normGrad on the WebAssembly kernels", () => {
  itShared("matches the reference on resident rows: odd lengths, offsets, a large mean", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 5 }), fc.constantFrom(0, 40), fc.integer(), (extra, len, offset, shift, seed) => {
        const rows = Math.ceil(MIN_RESIDENT / len) + extra;
        const x = view([rows, len], seed, offset, shift), g = view([rows, len], seed + 1, (offset * 7) % 5);
        const out = { shape: [rows, len], dtype: "float32" as const };
        const before = jobs();
        const got = fast([x, g], { eps: 1e-5 }, out).data;
        expect(jobs()).toBeGreaterThan(before);
        expectClose(got, ref([x, g], { eps: 1e-5 }, out).data, 2e-4, `[${rows}, ${len}] shift ${shift}`);
      }),
      { numRuns: 40 },
    );
  });

  itShared("gives the same bits on one and two threads, and the reference's values, for a DIVA-sized group norm ([2*32, 20*4096])", () => {
    const rows = 64, len = 20 * 4096;
    const x = view([rows, len], 3, 1), g = view([rows, len], 4, 2);
    const got = [1, 2].map((threads) => {
      const out = allocOutput("float32", rows * len, false) as Float32Array;
      const before = jobs();
      expect(normGradF32({ data: dataOf(x) as Float32Array, offset: 1 }, { data: dataOf(g) as Float32Array, offset: 2 }, rows, len, 1e-6, { data: out, offset: 0 }, threads)).toBe(true);
      expect(jobs()).toBeGreaterThan(before);
      return out;
    });
    expect(Buffer.from(got[0]!.buffer, got[0]!.byteOffset, got[0]!.byteLength).equals(Buffer.from(got[1]!.buffer, got[1]!.byteOffset, got[1]!.byteLength))).toBe(true);
    expectClose(got[1]!, ref([x, g], { eps: 1e-6 }, { shape: [rows, len], dtype: "float32" }).data, 2e-4, "DIVA-sized");
  });

  itShared("permuted and padded views and higher ranks give the reference's values", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 4 }), fc.integer({ min: 0, max: 3 }), fc.integer(), (shape, pad, seed) => {
        const r = shape.length;
        const perm = [...Array(r).keys()].reverse();
        const x = view(shape, seed, 0, 0, perm, pad), g = view(shape, seed + 1, 1, 0, undefined, pad);
        const out = { shape, dtype: "float32" as const };
        expectClose(fast([x, g], { eps: 1e-5 }, out).data, ref([x, g], { eps: 1e-5 }, out).data, 0, `[${shape}] pad ${pad}`);
      }),
      { numRuns: 30 },
    );
  });

  itShared("refuses operands outside their arrays with a clear error", () => {
    const x = resident(100, 1, 0);
    expect(() => normGradF32({ data: x, offset: 0 }, { data: x, offset: 0 }, 2, x.length, 1e-5, { data: x, offset: 0 })).toThrow(/normGradF32: x of/);
  });
});
