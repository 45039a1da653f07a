/**
 * Copies a strided view of a storage into a contiguous row-major array, as `_rebuild_tensor_v2(storage,
 * offset, size, stride)` describes a tensor (strides in elements; 0 strides and overlapping views allowed).
 */

/** A typed array of storage units (an element is `width` consecutive units, e.g. int64 as two int32). */
export type UnitArray = Float32Array | Float64Array | Int32Array | Uint16Array | Int16Array | Int8Array | Uint8Array;

/** True when a view with these sizes and strides is row-major contiguous (size-1 dims may have any stride). */
export function isContiguous(size: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d] === 1) continue;
    if (stride[d] !== expected) return false;
    expected *= size[d]!;
  }
  return true;
}

/** The largest element index the view touches (undefined for an empty view). */
export function lastIndex(offset: number, size: readonly number[], stride: readonly number[]): number | undefined {
  let last = offset;
  for (let d = 0; d < size.length; d++) {
    if (size[d] === 0) return undefined;
    last += (size[d]! - 1) * stride[d]!;
  }
  return last;
}

/**
 * Gathers the view's elements from `src` into `out` (length `numel * width`), in row-major order. The caller
 * has checked that every index lies inside `src`.
 */
export function gatherStrided<T extends UnitArray>(
  src: T,
  width: number,
  offset: number,
  size: readonly number[],
  stride: readonly number[],
  out: T,
): T {
  const rank = size.length;
  if (out.length === 0) return out;
  if (rank === 0) {
    for (let k = 0; k < width; k++) out[k] = src[offset * width + k]!;
    return out;
  }
  const inner = size[rank - 1]!;
  const innerStride = stride[rank - 1]!;
  const counter = new Array<number>(rank).fill(0);
  let base = offset;
  let o = 0;
  while (o < out.length) {
    let p = base;
    if (width === 1) {
      for (let j = 0; j < inner; j++, p += innerStride) out[o++] = src[p]!;
    } else {
      for (let j = 0; j < inner; j++, p += innerStride) for (let k = 0; k < width; k++) out[o++] = src[p * width + k]!;
    }
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]!++;
      base += stride[d]!;
      if (counter[d]! < size[d]!) break;
      base -= stride[d]! * size[d]!;
      counter[d] = 0;
    }
  }
  return out;
}
