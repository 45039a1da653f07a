/**
 * The input gradient of a normalisation over rows (layer norm, group norm) for contiguous float32 data in the
 * kernel memory, in three passes instead of the composed backward's dozen: the row moments of x
 * (`rowMomentsF32`, float64), the float64 sums of g and g (x - mean) per row (`normGradSums`), then
 * dx = rstd (g - mean(g) - xhat mean(g xhat)) written as a g + b (x - mean) + c (`normGradApply`), the
 * per-row coefficients computed here in float64. Data outside the kernel memory is not copied in: the
 * function then returns false and the caller keeps its own loops.
 */
import { MIN_FLOPS_PER_THREAD } from "./partition.js";
import { evenRanges, rowMomentsF32 } from "./reduce.js";
import { kernelRuntime } from "./runtime.js";
import { getCpuThreads } from "./threads.js";

/** A contiguous float32 operand: `data[offset ..]`. */
interface Slice {
  data: Float32Array;
  offset: number;
}

/** Rough float operations per element over the two passes. */
const COST = 8;

function checkSpan(name: string, s: Slice, n: number): void {
  if (!Number.isInteger(s.offset) || s.offset < 0 || s.offset + n > s.data.length) throw new RangeError(`normGradF32: ${name} of ${n} elements from ${s.offset} is outside its array of ${s.data.length}`);
}

/**
 * dx of `rows` contiguous rows of `len` floats: x the normalised input, g the gradient of the normalised
 * values (xhat), eps the variance epsilon (biased variance, as the forward kernels), into contiguous `out`
 * (which may be g's array at the same offset). False (nothing written) when an operand is not in the kernel
 * memory.
 */
export function normGradF32(x: Slice, g: Slice, rows: number, len: number, eps: number, out: Slice, threads = getCpuThreads()): boolean {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(len) || len < 0) throw new RangeError(`normGradF32: rows ${rows} and len ${len} must be non-negative integers`);
  const n = rows * len;
  checkSpan("x", x, n);
  checkSpan("g", g, n);
  checkSpan("out", out, n);
  const rt = kernelRuntime();
  if (!rt) return false;
  const xb = rt.addressOf(x.data), gb = rt.addressOf(g.data), yb = rt.addressOf(out.data);
  if (xb === undefined || gb === undefined || yb === undefined) return false;
  if (n === 0) return true;
  const m = rowMomentsF32(x.data, x.offset, len, rows, len, true, threads);
  if (!m) return false;
  const t = COST * n >= 2 * MIN_FLOPS_PER_THREAD ? rt.threads(threads) : 1;
  const addrs = rt.layout(t, [rows * 16, rows * 32, rows * 32]);
  if (!addrs) return false;
  const [st, sums, coef] = addrs as [number, number, number];
  const f = rt.f32();
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const mu = m.sum[r]! / len;
    const v = Math.max(0, m.sq[r]! / len - mu * mu);
    rstd[r] = 1 / Math.sqrt(v + eps);
    const at = (st >> 2) + 4 * r;
    f[at] = mu;
    f[at + 1] = mu - f[at]!;
  }
  const xa = xb + x.offset * 4, ga = gb + g.offset * 4, ya = yb + out.offset * 4;
  const ranges = evenRanges(rows, t);
  const sumsKernel = rt.kernel("normGradSums");
  rt.run(ranges.map(([s, e]) => ({ kernel: sumsKernel, args: [xa + s * len * 4, ga + s * len * 4, e - s, len, st + s * 16, sums + s * 32] })));
  const d = new Float64Array(rt.memory.buffer, sums, rows * 4);
  const f2 = rt.f32();
  for (let r = 0; r < rows; r++) {
    const sg = d[4 * r]! + d[4 * r + 1]!, sgx = d[4 * r + 2]! + d[4 * r + 3]!;
    const rs = rstd[r]!;
    // dx = rstd g - rstd mean(g) - rstd^3 (x - mean) mean(g (x - mean))
    const at = (coef >> 2) + 8 * r;
    f2[at] = f2[(st >> 2) + 4 * r]!;
    f2[at + 1] = f2[(st >> 2) + 4 * r + 1]!;
    f2[at + 2] = rs;
    f2[at + 3] = -rs * rs * rs * (sgx / len);
    f2[at + 4] = -rs * (sg / len);
  }
  const applyKernel = rt.kernel("normGradApply");
  rt.run(ranges.map(([s, e]) => ({ kernel: applyKernel, args: [xa + s * len * 4, ga + s * len * 4, ya + s * len * 4, e - s, len, coef + s * 32] })));
  return true;
}
