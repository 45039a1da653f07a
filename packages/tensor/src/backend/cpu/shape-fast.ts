/** Fast CPU kernel of scatterSlice (a shape op, see ops/shape.ts): strided row copies without offset tables. */
import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { castScalar, type TypedArray } from "../../dtype.js";
import { allocOutput } from "./host-pool.js";
import { contiguousStrides, sizeOf } from "../../shape.js";
import { collapse } from "./loops.js";
import { CpuStorage, dataOf } from "./storage.js";
import { simdScatterSlice } from "./copy-fast.js";

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
