/**
 * Our contender: `matmulF32` from the WebAssembly SIMD kernels (copies in and out of wasm memory included).
 */
import { matmulF32 } from "../../../packages/tensor/src/backend/cpu/wasm/index.js";
import type { MatmulInputs, MatmulRunner } from "./runner.js";

/** Runs `matmulF32` with `threads` threads. */
export function divaRunner(threads: number): MatmulRunner {
  let out = new Float32Array(0);
  return {
    name: "diva wasm-simd",
    threads,
    async setup() {},
    async time({ n, a, b }: MatmulInputs, repeats: number) {
      if (out.length !== n * n) out = new Float32Array(n * n);
      const ts: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        matmulF32({ data: a, offset: 0, rowStride: n, colStride: 1 }, { data: b, offset: 0, rowStride: n, colStride: 1 }, out, n, n, n, { threads });
        ts.push((performance.now() - t0) / 1e3);
      }
      return ts;
    },
    async close() {},
  };
}
