/**
 * The CPU backend's float32 copies on the WebAssembly strided-copy kernel (wasm/copy.ts, both threads) where
 * the data lives in the kernel memory: contiguous copies of views (attention's head permutes), concatenation
 * and scatterSlice. Other dtypes, layouts whose innermost dim is not contiguous in the destination, and
 * ordinary arrays keep the JavaScript loops (a source whose innermost dim is strided takes the kernel's
 * scalar path).
 */
import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { castScalar } from "../../dtype.js";
import { contiguousStrides, sizeOf } from "../../shape.js";
import { allocOutput, recycleHost } from "./host-pool.js";
import { concatKernel } from "./shape.js";
import { CpuStorage, dataOf } from "./storage.js";
import { copyStridedF32 } from "./wasm/copy.js";
import { kernelRuntime } from "./wasm/runtime.js";

const f32 = (v: TensorView) => ({ data: dataOf(v) as Float32Array, offset: v.offset, strides: v.strides });

/** A contiguous float32 copy of `x` on the kernel, or undefined (nothing allocated) when it does not suit. */
export function simdContiguous(x: TensorView, out: OutputInfo): CpuStorage | undefined {
  if (x.dtype !== "float32" || out.dtype !== "float32") return undefined;
  const n = sizeOf(x.shape);
  const res = allocOutput("float32", n, false) as Float32Array;
  if (copyStridedF32(f32(x), { data: res, offset: 0, strides: contiguousStrides(x.shape) }, x.shape)) return new CpuStorage(res);
  recycleHost(res);
  return undefined;
}

/**
 * scatterSlice of float32 on the kernel: the output filled with `value`, the input copied into the slice; or
 * undefined (nothing allocated) when it does not suit.
 */
export function simdScatterSlice(x: TensorView, attrs: KernelAttrs["scatterSlice"], out: OutputInfo): CpuStorage | undefined {
  if (x.dtype !== "float32" || out.dtype !== "float32" || kernelRuntime()?.addressOf(dataOf(x) as Float32Array) === undefined) return undefined;
  const fill = castScalar(attrs.value, out.dtype);
  const res = allocOutput("float32", sizeOf(out.shape), fill === 0) as Float32Array;
  if (fill !== 0) res.fill(fill);
  const os = contiguousStrides(out.shape);
  let start = 0;
  for (let d = 0; d < os.length; d++) start += attrs.starts[d]! * os[d]!;
  const dst = { data: res, offset: start, strides: os.map((s, d) => s * attrs.steps[d]!) };
  if (sizeOf(x.shape) > 0 && !copyStridedF32(f32(x), dst, x.shape)) {
    recycleHost(res);
    return undefined;
  }
  return new CpuStorage(res);
}

/** Concatenation along `axis`: float32 inputs copied by the kernel where they allow, the rest by the reference. */
export function fastConcatKernel(inputs: readonly TensorView[], attrs: KernelAttrs["concat"], out: OutputInfo): CpuStorage {
  if (out.dtype !== "float32" || inputs.some((x) => x.dtype !== "float32")) return concatKernel(inputs, attrs, out);
  const res = allocOutput("float32", sizeOf(out.shape), false) as Float32Array;
  const os = contiguousStrides(out.shape);
  let at = 0;
  for (const x of inputs) {
    const dst = { data: res, offset: at * os[attrs.axis]!, strides: os };
    if (!copyStridedF32(f32(x), dst, x.shape)) {
      recycleHost(res);
      return concatKernel(inputs, attrs, out);
    }
    at += x.shape[attrs.axis]!;
  }
  return new CpuStorage(res);
}
