import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { allocHost } from "../../dtype.js";
import { offsetsOf, rowOffsets, CpuStorage, dataOf } from "./storage.js";

type Reducer = "sum" | "prod" | "max" | "min";

/** Offsets grouped so that each output element's inputs are consecutive: [outCount][reduceCount]. */
function groupedOffsets(x: TensorView, axes: readonly number[]): { offs: Int32Array; count: number } {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  let count = 1;
  for (const a of axes) count *= x.shape[a]!;
  const offs = offsetsOf(
    perm.map((i) => x.shape[i]!),
    perm.map((i) => x.strides[i]!),
    x.offset,
  );
  return { offs, count };
}

export function reduceKernel(kind: Reducer) {
  return (inputs: readonly TensorView[], attrs: { axes: readonly number[] }, out: OutputInfo): CpuStorage => {
    const x = inputs[0]!;
    const src = dataOf(x);
    const { offs, count } = groupedOffsets(x, attrs.axes);
    const n = count === 0 ? out.shape.reduce((a, b) => a * b, 1) : offs.length / count;
    const res = allocHost(out.dtype, n);
    for (let o = 0, p = 0; o < n; o++) {
      let acc = kind === "sum" ? 0 : kind === "prod" ? 1 : kind === "max" ? -Infinity : Infinity;
      if (kind === "sum") for (let j = 0; j < count; j++) acc += src[offs[p++]!]!;
      else if (kind === "prod") for (let j = 0; j < count; j++) acc *= src[offs[p++]!]!;
      else if (kind === "max")
        for (let j = 0; j < count; j++) {
          const v = src[offs[p++]!]!;
          if (v > acc || v !== v) acc = v !== v || acc !== acc ? NaN : v;
        }
      else
        for (let j = 0; j < count; j++) {
          const v = src[offs[p++]!]!;
          if (v < acc || v !== v) acc = v !== v || acc !== acc ? NaN : v;
        }
      res[o] = acc;
    }
    return new CpuStorage(res);
  };
}

export function argKernel(kind: "max" | "min") {
  return (inputs: readonly TensorView[], attrs: KernelAttrs["argmax"], out: OutputInfo): CpuStorage => {
    const x = inputs[0]!;
    const src = dataOf(x);
    const len = x.shape[attrs.axis]!;
    const offs = rowOffsets(x.shape, x.strides, x.offset, attrs.axis);
    const rows = len === 0 ? 0 : offs.length / len;
    const res = allocHost(out.dtype, rows);
    for (let r = 0; r < rows; r++) {
      let best = 0;
      let bv = src[offs[r * len]!]!;
      for (let j = 1; j < len && bv === bv; j++) {
        const v = src[offs[r * len + j]!]!;
        // NaN counts as the extreme, as in torch
        if (v !== v || (kind === "max" ? v > bv : v < bv)) {
          best = j;
          bv = v;
        }
      }
      res[r] = best;
    }
    return new CpuStorage(res);
  };
}
