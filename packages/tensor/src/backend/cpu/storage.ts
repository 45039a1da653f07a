import type { Storage, TensorView } from "../backend.js";
import type { TypedArray } from "../../dtype.js";
import { sizeOf, type Shape } from "../../shape.js";

/** CPU storage: a host typed array. */
export class CpuStorage implements Storage {
  constructor(readonly data: TypedArray) {}
  get byteLength(): number {
    return this.data.byteLength;
  }
}

/** The host array behind a view given to a CPU kernel. */
export function dataOf(v: TensorView): TypedArray {
  return (v.storage as CpuStorage).data;
}

/**
 * Element offsets of every element of a strided view in row-major order of `shape`. Broadcasting is expressed
 * by passing zero strides. Returns null when the view is plainly contiguous (offset + i).
 */
export function stridedOffsets(shape: Shape, strides: readonly number[], offset: number): Int32Array | null {
  const rank = shape.length;
  let contiguous = true;
  let expected = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expected) contiguous = false;
    expected *= shape[d]!;
  }
  if (contiguous) return null;
  return offsetsOf(shape, strides, offset);
}

/** Like `stridedOffsets` but always materialises the offsets. */
export function offsetsOf(shape: Shape, strides: readonly number[], offset: number): Int32Array {
  const n = sizeOf(shape);
  const out = new Int32Array(n);
  const rank = shape.length;
  if (n === 0) return out;
  if (rank === 0) {
    out[0] = offset;
    return out;
  }
  const inner = shape[rank - 1]!;
  const innerStride = strides[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let base = offset;
  let p = 0;
  for (;;) {
    for (let j = 0, o = base; j < inner; j++, o += innerStride) out[p++] = o;
    let d = rank - 2;
    for (; d >= 0; d--) {
      idx[d]!++;
      base += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      base -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
    if (d < 0) break;
  }
  return out;
}

/**
 * Offsets arranged as rows along `axis`: element j of row r is at out[r * len + j]; rows are ordered by the
 * remaining dims in row-major order. Works for any strided view.
 */
export function rowOffsets(shape: Shape, strides: readonly number[], offset: number, axis: number): Int32Array {
  const perm = shape.map((_, i) => i).filter((i) => i !== axis);
  perm.push(axis);
  return offsetsOf(
    perm.map((i) => shape[i]!),
    perm.map((i) => strides[i]!),
    offset,
  );
}
