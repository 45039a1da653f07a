/**
 * Group norm (with the optional SiLU) and layer norm over contiguous float32 data in the kernel memory: the
 * statistics from `rowMomentsF32` (float64 sums and sums of squares), the per-segment mean (as two floats),
 * scale and shift computed here in float64, and the normalising pass of norm-kernel.ts as pool tasks over rows. Data outside
 * the kernel memory is not copied in: the functions then return false and the caller keeps its own loops.
 */
import { ACTIVATION_KINDS } from "./activation-kernel.js";
import { MIN_FLOPS_PER_THREAD } from "./partition.js";
import { evenRanges, rowMomentsF32 } from "./reduce.js";
import { kernelRuntime } from "./runtime.js";
import { getCpuThreads } from "./threads.js";

/** Rough float operations per element of the normalising pass (with the SiLU: its exp and division). */
const COST = 4, COST_SILU = 40;

/** A contiguous float32 operand: `data[offset ..]`. */
interface Slice {
  data: Float32Array;
  offset: number;
}

/** Mean and 1/sqrt(variance + eps) from float64 sums over `len` values (biased variance, never negative). */
function stats(sum: number, sq: number, len: number, eps: number): [number, number] {
  const mu = sum / len;
  const v = Math.max(0, sq / len - mu * mu);
  return [mu, 1 / Math.sqrt(v + eps)];
}

function checkSpan(fn: string, name: string, s: Slice, n: number): void {
  if (!Number.isInteger(s.offset) || s.offset < 0 || s.offset + n > s.data.length) throw new RangeError(`${fn}: ${name} of ${n} elements from ${s.offset} is outside its array of ${s.data.length}`);
}

/**
 * Group norm of contiguous x [N, C, S] (S: the product of the spatial dims) over `groups` groups, with
 * per-channel `weight` and `bias` (C values each, or null) and, with `silu`, SiLU of the result, into
 * contiguous `out`. False (nothing written) when x or out is not in the kernel memory.
 */
export function groupNormF32(x: Slice, shape: readonly [number, number, number], groups: number, eps: number, weight: Float32Array | null, bias: Float32Array | null, silu: boolean, out: Slice, threads = getCpuThreads()): boolean {
  const [N, C, S] = shape;
  if (!Number.isInteger(groups) || groups < 1 || C % groups !== 0) throw new RangeError(`groupNormF32: ${groups} groups do not divide ${C} channels`);
  const n = N * C * S;
  checkSpan("groupNormF32", "x", x, n);
  checkSpan("groupNormF32", "out", out, n);
  if ((weight && weight.length < C) || (bias && bias.length < C)) throw new RangeError(`groupNormF32: weight and bias need ${C} values`);
  const rt = kernelRuntime();
  if (!rt) return false;
  const ya = rt.addressOf(out.data);
  if (ya === undefined || rt.addressOf(x.data) === undefined) return false;
  if (n === 0) return true;
  const cg = C / groups, rows = N * groups, len = cg * S;
  const m = rowMomentsF32(x.data, x.offset, len, rows, len, true, threads);
  if (!m) return false;
  const cost = (silu ? COST_SILU : COST) * n;
  const t = cost >= 2 * MIN_FLOPS_PER_THREAD ? rt.threads(threads) : 1;
  const addrs = rt.layout(t, [rows * cg * 16]);
  if (!addrs) return false;
  const prm = addrs[0]!;
  const f = rt.f32();
  for (let r = 0; r < rows; r++) {
    const [mu, rstd] = stats(m.sum[r]!, m.sq[r]!, len, eps);
    const c0 = (r % groups) * cg;
    for (let c = 0; c < cg; c++) {
      const at = (prm >> 2) + 4 * (r * cg + c);
      f[at] = mu;
      f[at + 1] = mu - f[at]!;
      f[at + 2] = rstd * (weight ? weight[c0 + c]! : 1);
      f[at + 3] = bias ? bias[c0 + c]! : 0;
    }
  }
  const kernel = rt.kernel("normSegments");
  const xa = rt.addressOf(x.data)! + x.offset * 4, yo = ya + out.offset * 4;
  const act = silu ? ACTIVATION_KINDS.silu : 0;
  rt.run(evenRanges(rows, t).map(([s, e]) => ({ kernel, args: [xa + s * len * 4, yo + s * len * 4, e - s, cg, S, prm + s * cg * 16, act] })));
  return true;
}

/**
 * Layer norm of `rows` contiguous rows of `len` floats with elementwise `weight` and `bias` (len values each,
 * or null), into contiguous `out`. False (nothing written) when x or out is not in the kernel memory.
 */
export function layerNormF32(x: Slice, rows: number, len: number, eps: number, weight: Float32Array | null, bias: Float32Array | null, out: Slice, threads = getCpuThreads()): boolean {
  const n = rows * len;
  checkSpan("layerNormF32", "x", x, n);
  checkSpan("layerNormF32", "out", out, n);
  if ((weight && weight.length < len) || (bias && bias.length < len)) throw new RangeError(`layerNormF32: weight and bias need ${len} values`);
  const rt = kernelRuntime();
  if (!rt) return false;
  const ya = rt.addressOf(out.data);
  if (ya === undefined || rt.addressOf(x.data) === undefined) return false;
  if (n === 0) return true;
  const m = rowMomentsF32(x.data, x.offset, len, rows, len, true, threads);
  if (!m) return false;
  const t = COST * n >= 2 * MIN_FLOPS_PER_THREAD ? rt.threads(threads) : 1;
  const addrs = rt.layout(t, [rows * 16, len * 4, len * 4]);
  if (!addrs) return false;
  const [st, wa, ba] = addrs as [number, number, number];
  const f = rt.f32();
  for (let r = 0; r < rows; r++) {
    const [mu, rstd] = stats(m.sum[r]!, m.sq[r]!, len, eps);
    const at = (st >> 2) + 4 * r;
    f[at] = mu;
    f[at + 1] = mu - f[at]!;
    f[at + 2] = rstd;
  }
  if (weight) f.set(weight.subarray(0, len), wa >> 2);
  else f.fill(1, wa >> 2, (wa >> 2) + len);
  if (bias) f.set(bias.subarray(0, len), ba >> 2);
  else f.fill(0, ba >> 2, (ba >> 2) + len);
  const kernel = rt.kernel("normRows");
  const xa = rt.addressOf(x.data)! + x.offset * 4, yo = ya + out.offset * 4;
  rt.run(evenRanges(rows, t).map(([s, e]) => ({ kernel, args: [xa + s * len * 4, yo + s * len * 4, e - s, len, st + s * 16, wa, ba] })));
  return true;
}
