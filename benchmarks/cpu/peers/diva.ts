/**
 * Our matmul contender: `matmulF32` from the WebAssembly SIMD kernels, either on ordinary arrays (copies in
 * and out of the kernel memory timed) or on resident arrays from `allocF32` (no copies, like peers whose
 * tensors are uploaded before timing).
 */
import { allocF32, freeF32, matmulF32 } from "@diva/tensor/cpu-kernels";
import type { MatmulCase } from "../cases.js";
import { timeInProcess, type Runner } from "./runner.js";

/** Runs `matmulF32` with `threads` threads; `resident` keeps A, B and C in the kernel memory. */
export function divaRunner(threads: number, resident = false): Runner<MatmulCase> {
  return {
    name: resident ? "diva wasm-simd resident" : "diva wasm-simd",
    threads,
    async setup() {},
    async time({ n, a, b }: MatmulCase, repeats: number) {
      const ra = resident ? allocF32(n * n) : a, rb = resident ? allocF32(n * n) : b;
      if (resident) {
        ra.set(a);
        rb.set(b);
      }
      const out = resident ? allocF32(n * n) : new Float32Array(n * n);
      const t = await timeInProcess(repeats, () =>
        matmulF32({ data: ra, offset: 0, rowStride: n, colStride: 1 }, { data: rb, offset: 0, rowStride: n, colStride: 1 }, out, n, n, n, { threads }),
      );
      if (resident) for (const x of [ra, rb, out]) freeF32(x);
      return t;
    },
    async close() {},
  };
}
