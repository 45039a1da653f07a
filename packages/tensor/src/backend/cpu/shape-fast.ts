/**
 * Fast CPU kernels of the shape ops that copy (see ops/shape.ts), scatterSlice and concat: float32 on the
 * WebAssembly strided-copy kernel (wasm/copy.ts, both threads) where the data lives in the kernel memory;
 * other dtypes, layouts whose innermost dim is not contiguous in the destination, and ordinary arrays take
 * strided row copies without offset tables (scatterSlice) or the reference (concat). A source whose
 * innermost dim is strided takes the kernel's scalar path.
 */
import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { castScalar, type TypedArray } from "../../dtype.js";
import { allocOutput, recycleHost } from "./host-pool.js";
import { contiguousStrides, sizeOf } from "../../shape.js";
import { collapse } from "./loops.js";
import { concatKernel } from "./shape.js";
import { CpuStorage, dataOf } from "./storage.js";
import { copyStridedF32 } from "./wasm/copy.js";
import { kernelRuntime } from "./wasm/runtime.js";

/** The strided-copy kernel's view of float32 data. */
const f32 = (v: TensorView) => ({ data: dataOf(v) as Float32Array, offset: v.offset, strides: v.strides });

/**
 * scatterSlice of float32 on the kernel: the output filled with `value`, the input copied into the slice; or
 * undefined (nothing allocated) when it does not suit.
 */
function simdScatterSlice(x: TensorView, attrs: KernelAttrs["scatterSlice"], out: OutputInfo): CpuStorage | undefined {
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

/** Copies a strided view into a strided destination, row by row over the collapsed dims (no offset tables). */
function stridedCopy(src: TypedArray, so: number, ss: readonly number[], dst: TypedArray, d0: number, ds: readonly number[], shape: readonly number[]): void {
  if (sizeOf(shape) === 0) return;
  const c = collapse(shape, [ss, ds]);
  const r = c.shape.length;
  const [sst, dst2] = c.strides as [number[], number[]];
  const inner = c.shape[r - 1]!, si = sst[r - 1]!, di = dst2[r - 1]!;
  const idx = new Array<number>(r).fill(0);
  let s = so, d = d0;
  for (;;) {
    if (si === 1 && di === 1) for (let j = 0; j < inner; j++) dst[d + j] = src[s + j]!;
    else for (let j = 0, a = s, b = d; j < inner; j++, a += si, b += di) dst[b] = src[a]!;
    let k = r - 2;
    for (; k >= 0; k--) {
      idx[k]++;
      s += sst[k]!;
      d += dst2[k]!;
      if (idx[k]! < c.shape[k]!) break;
      s -= sst[k]! * c.shape[k]!;
      d -= dst2[k]! * c.shape[k]!;
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}

/** scatterSlice (the gradient of slice): the output filled with `value`, the input written into the slice. */
export function fastScatterSliceKernel(inputs: readonly TensorView[], attrs: KernelAttrs["scatterSlice"], out: OutputInfo): CpuStorage {
  const x = inputs[0]!;
  const simd = simdScatterSlice(x, attrs, out);
  if (simd) return simd;
  const fill = castScalar(attrs.value, out.dtype);
  const res = allocOutput(out.dtype, sizeOf(out.shape), fill === 0);
  if (fill !== 0) res.fill(fill);
  const os = contiguousStrides(out.shape);
  let start = 0;
  for (let d = 0; d < os.length; d++) start += attrs.starts[d]! * os[d]!;
  stridedCopy(dataOf(x), x.offset, x.strides, res, start, os.map((s, d) => s * attrs.steps[d]!), x.shape);
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
