/**
 * Reference kernel of `normGrad`, the input gradient of a normalisation over the last axis: per row, in
 * float64, the mean and biased variance of x (two passes), then dx = rstd (g - mean(g) - xhat mean(g xhat)).
 * Any layout, any float dtype; the fast kernels are tested against it.
 */
import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { allocHost } from "../../dtype.js";
import { sizeOf } from "../../shape.js";
import { CpuStorage, dataOf, offsetsOf } from "./storage.js";

/** normGrad of inputs [x, g] (same shape) over their last axis. */
export function normGradKernel(inputs: readonly TensorView[], attrs: KernelAttrs["normGrad"], out: OutputInfo): CpuStorage {
  const [x, g] = inputs as [TensorView, TensorView];
  const n = sizeOf(out.shape);
  const res = allocHost(out.dtype, n);
  const len = out.shape.length === 0 ? 1 : out.shape[out.shape.length - 1]!;
  const rows = len === 0 ? 0 : n / len;
  const xd = dataOf(x), gd = dataOf(g);
  const xo = offsetsOf(x.shape, x.strides, x.offset), go = offsetsOf(g.shape, g.strides, g.offset);
  const xh = new Float64Array(len), gr = new Float64Array(len);
  for (let r = 0; r < rows; r++) {
    const base = r * len;
    let s = 0;
    for (let j = 0; j < len; j++) s += xh[j] = xd[xo[base + j]!]!;
    const mu = s / len;
    let ss = 0;
    for (let j = 0; j < len; j++) ss += (xh[j]! - mu) ** 2;
    const rstd = 1 / Math.sqrt(ss / len + attrs.eps);
    let sg = 0, sgx = 0;
    for (let j = 0; j < len; j++) {
      xh[j] = (xh[j]! - mu) * rstd;
      const gj = (gr[j] = gd[go[base + j]!]!);
      sg += gj;
      sgx += gj * xh[j]!;
    }
    const mg = sg / len, mgx = sgx / len;
    for (let j = 0; j < len; j++) res[base + j] = rstd * (gr[j]! - mg - xh[j]! * mgx);
  }
  return new CpuStorage(res);
}
