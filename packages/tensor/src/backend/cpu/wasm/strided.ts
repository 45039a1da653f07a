/**
 * Strided-view helpers for the kernel wrappers: collapsing batch dimensions, the span of elements a view
 * touches, and gathering a sparse view into a compact copy.
 */
import { collapseDims } from "../../../shape.js";

/** Batch dimensions of a matmul with the strides of its two operands (elements; 0 broadcasts). */
interface BatchDims {
  shape: number[];
  a: number[];
  b: number[];
}

/** `collapseDims` over a matmul's batch dimensions (the output is contiguous, so only `a` and `b` decide). */
export function collapseBatch(shape: readonly number[], a: readonly number[], b: readonly number[]): BatchDims {
  const c = collapseDims(shape, [a, b]);
  return { shape: c.shape, a: c.strides[0]!, b: c.strides[1]! };
}

/** Lowest and highest element index (relative to the offset) reached by a view with these sizes and strides. */
export function spanOf(sizes: readonly number[], strides: readonly number[]): { lo: number; hi: number } {
  let lo = 0, hi = 0;
  for (let i = 0; i < sizes.length; i++) {
    const d = (sizes[i]! - 1) * strides[i]!;
    if (d < 0) lo += d;
    else hi += d;
  }
  return { lo, hi };
}

/**
 * Copies the elements of a strided view into `dst` (at `dstOffset`) with compact strides: zero strides
 * stay zero (broadcast data is not repeated), the others become row-major over the non-broadcast
 * dimensions. Returns the new strides.
 */
export function gatherCompact(
  src: Float32Array,
  offset: number,
  sizes: readonly number[],
  strides: readonly number[],
  dst: Float32Array,
  dstOffset: number,
): number[] {
  const r = sizes.length;
  const newStrides = new Array<number>(r).fill(0);
  let acc = 1;
  for (let i = r - 1; i >= 0; i--) {
    if (strides[i] === 0 || sizes[i] === 1) continue;
    newStrides[i] = acc;
    acc *= sizes[i]!;
  }
  const idx = new Array<number>(r).fill(0);
  const last = r - 1;
  const total = sizes.reduce((x, y) => x * y, 1);
  if (total === 0) return newStrides;
  const n = sizes[last]!, ss = strides[last]!, ds = newStrides[last]!;
  for (;;) {
    let s = offset, d = dstOffset;
    for (let i = 0; i < last; i++) {
      s += idx[i]! * strides[i]!;
      d += idx[i]! * newStrides[i]!;
    }
    for (let j = 0; j < n; j++) dst[d + j * ds] = src[s + j * ss]!;
    let i = last - 1;
    while (i >= 0) {
      // Skip re-copying broadcast dimensions.
      if (++idx[i]! < sizes[i]! && newStrides[i] !== 0) break;
      idx[i] = 0;
      i--;
    }
    if (i < 0) return newStrides;
  }
}

/** Number of distinct elements a compact copy of the view holds. */
export function compactSize(sizes: readonly number[], strides: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < sizes.length; i++) if (strides[i] !== 0) n *= sizes[i]!;
  return n;
}
