/**
 * Fast `normGrad` for contiguous float32 x and g in the kernel memory (the WebAssembly passes of
 * wasm/norm-grad.ts, both threads); other layouts, dtypes and ordinary arrays use the reference kernel.
 */
import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { isContiguous, sizeOf } from "../../shape.js";
import { allocOutput, recycleHost } from "./host-pool.js";
import { normGradKernel } from "./norm-grad.js";
import { CpuStorage, dataOf } from "./storage.js";
import { normGradF32 } from "./wasm/norm-grad.js";

const usable = (v: TensorView) => v.dtype === "float32" && isContiguous(v.shape, v.strides);

/** normGrad on the WebAssembly kernels where the operands allow, else the reference kernel. */
export function fastNormGradKernel(inputs: readonly TensorView[], attrs: KernelAttrs["normGrad"], out: OutputInfo): CpuStorage {
  const [x, g] = inputs as [TensorView, TensorView];
  if (!usable(x) || !usable(g) || out.shape.length === 0) return normGradKernel(inputs, attrs, out);
  const n = sizeOf(out.shape);
  const len = out.shape[out.shape.length - 1]!;
  const res = allocOutput("float32", n, false) as Float32Array;
  const rows = len === 0 ? 0 : n / len;
  if (normGradF32({ data: dataOf(x) as Float32Array, offset: x.offset }, { data: dataOf(g) as Float32Array, offset: g.offset }, rows, len, attrs.eps, { data: res, offset: 0 })) return new CpuStorage(res);
  recycleHost(res);
  return normGradKernel(inputs, attrs, out);
}
