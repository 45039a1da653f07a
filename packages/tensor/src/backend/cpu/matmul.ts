import type { OutputInfo, TensorView } from "../backend.js";
import { allocHost } from "../../dtype.js";
import { offsetsOf, CpuStorage, dataOf } from "./storage.js";

/**
 * Reference batched matmul: a [...B, m, k] @ b [...B, k, n] with any strides (transposed views and broadcast
 * batch dims included). B is packed row-major per batch and rows are accumulated in float64.
 */
export function matmulKernel(inputs: readonly TensorView[], _a: Record<string, never>, out: OutputInfo): CpuStorage {
  const [a, b] = inputs as [TensorView, TensorView];
  const r = out.shape.length;
  const m = out.shape[r - 2]!, n = out.shape[r - 1]!, k = a.shape[r - 1]!;
  const batchShape = out.shape.slice(0, r - 2);
  const aBase = offsetsOf(batchShape, a.strides.slice(0, r - 2), a.offset);
  const bBase = offsetsOf(batchShape, b.strides.slice(0, r - 2), b.offset);
  const ad = dataOf(a), bd = dataOf(b);
  const asr = a.strides[r - 2]!, asc = a.strides[r - 1]!;
  const bsr = b.strides[r - 2]!, bsc = b.strides[r - 1]!;
  const res = allocHost(out.dtype, out.shape.reduce((x, y) => x * y, 1));
  const packed = new Float64Array(k * n);
  const acc = new Float64Array(n);
  let lastB = -1;
  for (let batch = 0; batch < aBase.length; batch++) {
    const bo = bBase[batch]!;
    if (bo !== lastB || batch === 0) {
      for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) packed[p * n + j] = bd[bo + p * bsr + j * bsc]!;
      lastB = bo;
    }
    const ao = aBase[batch]!;
    const outBase = batch * m * n;
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let p = 0; p < k; p++) {
        const av = ad[ao + i * asr + p * asc]!;
        if (av === 0) continue;
        const row = p * n;
        for (let j = 0; j < n; j++) acc[j] += av * packed[row + j]!;
      }
      for (let j = 0; j < n; j++) res[outBase + i * n + j] = acc[j]!;
    }
  }
  return new CpuStorage(res);
}
