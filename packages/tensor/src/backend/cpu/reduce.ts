import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { allocHost } from "../../dtype.js";
import { collapse } from "./loops.js";
import { offsetsOf, rowOffsets, CpuStorage, dataOf } from "./storage.js";

type Reducer = "sum" | "prod" | "max" | "min";

/** The kept and reduced dims of `x`, each collapsed where the layout allows. */
function split(x: TensorView, axes: readonly number[]) {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const k = collapse(kept.map((i) => x.shape[i]!), [kept.map((i) => x.strides[i]!)]);
  const r = collapse(axes.map((i) => x.shape[i]!), [axes.map((i) => x.strides[i]!)]);
  return { keptShape: k.shape, keptStrides: k.strides[0]!, redShape: r.shape, redStrides: r.strides[0]! };
}

/** Sum, product, max or min over `axes`, accumulating in float64. */
export function reduceKernel(kind: Reducer) {
  return (inputs: readonly TensorView[], attrs: { axes: readonly number[] }, out: OutputInfo): CpuStorage => {
    const x = inputs[0]!;
    const src = dataOf(x);
    const n = out.shape.reduce((a, b) => a * b, 1);
    const res = allocHost(out.dtype, n);
    const { keptShape, keptStrides, redShape, redStrides } = split(x, attrs.axes);
    const R = redShape.reduce((a, b) => a * b, 1);
    const init = kind === "sum" ? 0 : kind === "prod" ? 1 : kind === "max" ? -Infinity : Infinity;
    if (n === 0) return new CpuStorage(res);
    // every output's inputs sit at these offsets from its base
    const redOffs = offsetsOf(redShape, redStrides, 0);
    const bases = offsetsOf(keptShape, keptStrides, x.offset);
    if (kind === "sum" && keptShape.length === 1 && keptStrides[0] === 1 && n > 1) {
      // kept dim contiguous: accumulate whole rows (cache friendly; the bias-gradient case)
      const acc = new Float64Array(n);
      for (let j = 0; j < R; j++) {
        const o = x.offset + redOffs[j]!;
        for (let c = 0; c < n; c++) acc[c] += src[o + c]!;
      }
      res.set(acc);
      return new CpuStorage(res);
    }
    for (let o = 0; o < n; o++) {
      const base = bases[o]!;
      let acc = init;
      if (kind === "sum") for (let j = 0; j < R; j++) acc += src[base + redOffs[j]!]!;
      else if (kind === "prod") for (let j = 0; j < R; j++) acc *= src[base + redOffs[j]!]!;
      else if (kind === "max")
        for (let j = 0; j < R; j++) {
          const v = src[base + redOffs[j]!]!;
          if (v > acc || v !== v) acc = v !== v || acc !== acc ? NaN : v;
        }
      else
        for (let j = 0; j < R; j++) {
          const v = src[base + redOffs[j]!]!;
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
