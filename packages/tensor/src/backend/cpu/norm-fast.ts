/**
 * Layer norm and group norm for float32 input that is contiguous: straight loops over each row (no per-element
 * index closures), float64 accumulators, the affine parameters gathered once into float32 arrays. Other
 * layouts and dtypes use the reference kernels, which these match to float32 rounding.
 */
import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { isContiguous, sizeOf } from "../../shape.js";
import { allocOutput } from "./host-pool.js";
import { groupNormKernel, layerNormKernel } from "./norm.js";
import { CpuStorage, dataOf, offsetsOf } from "./storage.js";
import { groupNormF32, layerNormF32 } from "./wasm/norm.js";

/** An affine parameter view as a dense float32 array of `n` values in row-major order (null when absent). */
function dense(p: TensorView | undefined, n: number): Float32Array | null {
  if (!p) return null;
  const d = dataOf(p);
  const offs = offsetsOf(p.shape, p.strides, p.offset);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = d[offs[i]!]!;
  return out;
}

/** Mean and 1/std of x[start .. start + len) (two passes, float64). */
function rowStats(x: Float32Array, start: number, len: number, eps: number): [number, number] {
  let s = 0;
  for (let j = start, e = start + len; j < e; j++) s += x[j]!;
  const mu = s / len;
  let ss = 0;
  for (let j = start, e = start + len; j < e; j++) {
    const d = x[j]! - mu;
    ss += d * d;
  }
  return [mu, 1 / Math.sqrt(ss / len + eps)];
}

const usable = (x: TensorView) => x.dtype === "float32" && isContiguous(x.shape, x.strides);

/** Fast layer norm (contiguous float32), else the reference kernel. */
export function fastLayerNormKernel(inputs: readonly TensorView[], attrs: KernelAttrs["layerNorm"], out: OutputInfo): CpuStorage {
  const x = inputs[0]!;
  if (!usable(x)) return layerNormKernel(inputs, attrs, out);
  const len = sizeOf(x.shape.slice(x.shape.length - attrs.dims));
  const n = sizeOf(x.shape);
  const w = dense(attrs.weight ? inputs[1] : undefined, len);
  const b = dense(attrs.bias ? inputs[attrs.weight ? 2 : 1] : undefined, len);
  const xd = dataOf(x) as Float32Array;
  const res = allocOutput("float32", n, false) as Float32Array;
  if (len > 0 && layerNormF32({ data: xd, offset: x.offset }, n / len, len, attrs.eps, w, b, { data: res, offset: 0 })) return new CpuStorage(res);
  for (let base = 0; len > 0 && base < n; base += len) {
    const [mu, rstd] = rowStats(xd, x.offset + base, len, attrs.eps);
    const src = x.offset + base;
    if (w && b) for (let j = 0; j < len; j++) res[base + j] = (xd[src + j]! - mu) * rstd * w[j]! + b[j]!;
    else if (w) for (let j = 0; j < len; j++) res[base + j] = (xd[src + j]! - mu) * rstd * w[j]!;
    else if (b) for (let j = 0; j < len; j++) res[base + j] = (xd[src + j]! - mu) * rstd + b[j]!;
    else for (let j = 0; j < len; j++) res[base + j] = (xd[src + j]! - mu) * rstd;
  }
  return new CpuStorage(res);
}

/** Fast group norm of [N, C, ...] (contiguous float32) with the optional SiLU, else the reference kernel. */
export function fastGroupNormKernel(inputs: readonly TensorView[], attrs: KernelAttrs["groupNorm"], out: OutputInfo): CpuStorage {
  const x = inputs[0]!;
  if (!usable(x)) return groupNormKernel(inputs, attrs, out);
  const C = x.shape[1]!;
  const S = sizeOf(x.shape.slice(2));
  const cg = C / attrs.groups;
  const len = cg * S;
  const n = sizeOf(x.shape);
  const w = dense(attrs.weight ? inputs[1] : undefined, C);
  const b = dense(attrs.bias ? inputs[attrs.weight ? 2 : 1] : undefined, C);
  const silu = attrs.activation === "silu";
  const xd = dataOf(x) as Float32Array;
  const res = allocOutput("float32", n, false) as Float32Array;
  if (groupNormF32({ data: xd, offset: x.offset }, [x.shape[0]!, C, S], attrs.groups, attrs.eps, w, b, silu, { data: res, offset: 0 })) return new CpuStorage(res);
  for (let base = 0, r = 0; len > 0 && base < n; base += len, r++) {
    const [mu, rstd] = rowStats(xd, x.offset + base, len, attrs.eps);
    const c0 = (r % attrs.groups) * cg;
    for (let c = 0; c < cg; c++) {
      // per channel: y = xhat * scale + shift with xhat = (x - mu) * rstd folded into one multiply-add
      const scale = rstd * (w ? w[c0 + c]! : 1);
      const shift = (b ? b[c0 + c]! : 0) - mu * scale;
      const o = base + c * S;
      const src = x.offset + o;
      if (silu) {
        for (let j = 0; j < S; j++) {
          const y = xd[src + j]! * scale + shift;
          res[o + j] = y / (1 + Math.exp(-y));
        }
      } else for (let j = 0; j < S; j++) res[o + j] = xd[src + j]! * scale + shift;
    }
  }
  return new CpuStorage(res);
}
