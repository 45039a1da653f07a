/**
 * Reference kernels of the shape ops that copy data (see ops/shape.ts): concatenation, and scatterSlice (a slice
 * written into a filled tensor: the gradient of slice).
 */
import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { allocHost, castScalar } from "../../dtype.js";
import { contiguousStrides, sizeOf } from "../../shape.js";
import { offsetsOf, CpuStorage, dataOf } from "./storage.js";

export function scatterSliceKernel(inputs: readonly TensorView[], attrs: KernelAttrs["scatterSlice"], out: OutputInfo): CpuStorage {
  const x = inputs[0]!;
  const res = allocHost(out.dtype, sizeOf(out.shape));
  res.fill(castScalar(attrs.value, out.dtype));
  const os = contiguousStrides(out.shape);
  let start = 0;
  for (let d = 0; d < os.length; d++) start += attrs.starts[d]! * os[d]!;
  const dst = offsetsOf(x.shape, os.map((s, d) => s * attrs.steps[d]!), start);
  const src = offsetsOf(x.shape, x.strides, x.offset);
  const xd = dataOf(x);
  for (let p = 0; p < src.length; p++) res[dst[p]!] = xd[src[p]!]!;
  return new CpuStorage(res);
}

export function concatKernel(inputs: readonly TensorView[], attrs: KernelAttrs["concat"], out: OutputInfo): CpuStorage {
  const res = allocHost(out.dtype, sizeOf(out.shape));
  const os = contiguousStrides(out.shape);
  let at = 0;
  for (const x of inputs) {
    const dst = offsetsOf(x.shape, os, at * os[attrs.axis]!);
    const src = offsetsOf(x.shape, x.strides, x.offset);
    const xd = dataOf(x);
    for (let p = 0; p < src.length; p++) res[dst[p]!] = xd[src[p]!]!;
    at += x.shape[attrs.axis]!;
  }
  return new CpuStorage(res);
}
