import type { OutputInfo, TensorView } from "../backend.js";
import { isContiguous } from "../../shape.js";
import { softmaxKernel } from "./softmax.js";
import { allocOutput } from "./host-pool.js";
import { CpuStorage, dataOf } from "./storage.js";
import { softmaxRowsF32 } from "./wasm/index.js";

const reference = softmaxKernel(false);

/**
 * Softmax on the WebAssembly SIMD row kernel (vector exp, rows split over the threads) for float32 input
 * that is contiguous with `axis` last; other cases use the reference kernel.
 */
export function fastSoftmaxKernel(inputs: readonly TensorView[], attrs: { axis: number }, out: OutputInfo): CpuStorage {
  const x = inputs[0]!;
  const r = x.shape.length;
  if (x.dtype !== "float32" || attrs.axis !== r - 1 || !isContiguous(x.shape, x.strides)) return reference(inputs, attrs, out);
  const cols = x.shape[r - 1]!;
  const total = x.shape.reduce((a, b) => a * b, 1);
  const res = allocOutput("float32", total, false) as Float32Array;
  if (total > 0) softmaxRowsF32(dataOf(x) as Float32Array, x.offset, res, 0, total / cols, cols);
  return new CpuStorage(res);
}
