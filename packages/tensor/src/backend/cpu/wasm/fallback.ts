/**
 * Plain JavaScript matmul used where WebAssembly SIMD is unavailable (float64 accumulation, any strides).
 */
import type { MatmulOperands } from "./matmul.js";

/** A batched strided matmul problem: the operands and sizes `matmulF32` takes, its batch strides resolved. */
interface MatmulProblem extends MatmulOperands {
  batchShape: readonly number[];
  aBatch: readonly number[];
  bBatch: readonly number[];
  outOffset: number;
}

/** Batched strided matmul in plain loops; same contract as `matmulF32`. */
export function matmulF32Fallback({ a, b, out, m, n, k, batchShape, aBatch, bBatch, outOffset }: MatmulProblem): void {
  const batch = batchShape.reduce((x, y) => x * y, 1);
  const idx = new Array<number>(batchShape.length).fill(0);
  const acc = new Float64Array(n);
  for (let t = 0; t < batch; t++) {
    let ao = a.offset, bo = b.offset;
    for (let i = 0; i < idx.length; i++) {
      ao += idx[i]! * aBatch[i]!;
      bo += idx[i]! * bBatch[i]!;
    }
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let p = 0; p < k; p++) {
        const av = a.data[ao + i * a.rowStride + p * a.colStride]!;
        const brow = bo + p * b.rowStride;
        for (let j = 0; j < n; j++) acc[j] += av * b.data[brow + j * b.colStride]!;
      }
      const o = outOffset + (t * m + i) * n;
      for (let j = 0; j < n; j++) out[o + j] = acc[j]!;
    }
    for (let i = idx.length - 1; i >= 0; i--) {
      if (++idx[i]! < batchShape[i]!) break;
      idx[i] = 0;
    }
  }
}
