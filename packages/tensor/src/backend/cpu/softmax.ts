import type { OutputInfo, TensorView } from "../backend.js";
import { allocHost } from "../../dtype.js";
import { contiguousStrides } from "../../shape.js";
import { rowOffsets, CpuStorage, dataOf } from "./storage.js";

/** Softmax or log-softmax along `axis`, max-subtracted, accumulated in float64. */
export function softmaxKernel(log: boolean) {
  return (inputs: readonly TensorView[], attrs: { axis: number }, out: OutputInfo): CpuStorage => {
    const x = inputs[0]!;
    const len = x.shape[attrs.axis]!;
    const src = rowOffsets(x.shape, x.strides, x.offset, attrs.axis);
    const dst = rowOffsets(out.shape, contiguousStrides(out.shape), 0, attrs.axis);
    const xd = dataOf(x);
    const res = allocHost(out.dtype, src.length);
    const rows = len === 0 ? 0 : src.length / len;
    const e = new Float64Array(len);
    for (let r = 0; r < rows; r++) {
      const o = r * len;
      let mx = -Infinity;
      for (let j = 0; j < len; j++) mx = Math.max(mx, xd[src[o + j]!]!);
      if (mx === -Infinity) mx = 0;
      let sum = 0;
      for (let j = 0; j < len; j++) {
        e[j] = Math.exp(xd[src[o + j]!]! - mx);
        sum += e[j]!;
      }
      if (log) {
        const lse = Math.log(sum);
        for (let j = 0; j < len; j++) res[dst[o + j]!] = xd[src[o + j]!]! - mx - lse;
      } else {
        for (let j = 0; j < len; j++) res[dst[o + j]!] = e[j]! / sum;
      }
    }
    return new CpuStorage(res);
  };
}
