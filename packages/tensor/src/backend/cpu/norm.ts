import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { allocHost, type TypedArray } from "../../dtype.js";
import { sizeOf } from "../../shape.js";
import { offsetsOf, stridedOffsets, CpuStorage, dataOf } from "./storage.js";

/** Reads of a view in row-major order: `at(i)` is the storage index of logical element i. */
function reader(v: TensorView): (i: number) => number {
  const offs = stridedOffsets(v.shape, v.strides, v.offset);
  const o = v.offset;
  return offs ? (i) => offs[i]! : (i) => o + i;
}

/**
 * Normalises rows of `len` consecutive logical elements of x (two passes in float64: mean, then the biased
 * variance of the deviations) and writes scale(j) * xhat + shift(j), then `act`, to a new contiguous array.
 */
function normalizeRows(
  x: TensorView,
  out: OutputInfo,
  len: number,
  eps: number,
  affine: (row: number, j: number, xhat: number) => number,
  act: ((v: number) => number) | null,
): TypedArray {
  const n = sizeOf(out.shape);
  const res = allocHost(out.dtype, n);
  const xd = dataOf(x);
  const at = reader(x);
  const rows = len === 0 ? 0 : n / len;
  const row = new Float64Array(len);
  for (let r = 0; r < rows; r++) {
    const base = r * len;
    let s = 0;
    for (let j = 0; j < len; j++) s += row[j] = xd[at(base + j)]!;
    const mu = s / len;
    let ss = 0;
    for (let j = 0; j < len; j++) ss += (row[j]! - mu) ** 2;
    const rstd = 1 / Math.sqrt(ss / len + eps);
    for (let j = 0; j < len; j++) {
      const y = affine(r, j, (row[j]! - mu) * rstd);
      res[base + j] = act ? act(y) : y;
    }
  }
  return res;
}

/** Storage indices of an optional affine parameter view, in row-major order. */
function paramOffsets(p: TensorView | undefined): Int32Array | null {
  return p ? offsetsOf(p.shape, p.strides, p.offset) : null;
}

/** Fused layer norm over the trailing `dims` dims (reference: float64 statistics, any layout and float dtype). */
export function layerNormKernel(inputs: readonly TensorView[], attrs: KernelAttrs["layerNorm"], out: OutputInfo): CpuStorage {
  const x = inputs[0]!;
  const w = attrs.weight ? inputs[1] : undefined;
  const b = attrs.bias ? inputs[attrs.weight ? 2 : 1] : undefined;
  const len = sizeOf(x.shape.slice(x.shape.length - attrs.dims));
  const wo = paramOffsets(w), bo = paramOffsets(b);
  const wd = w ? dataOf(w) : null, bd = b ? dataOf(b) : null;
  const affine = (_r: number, j: number, v: number) => {
    let y = v;
    if (wd) y *= wd[wo![j]!]!;
    if (bd) y += bd[bo![j]!]!;
    return y;
  };
  return new CpuStorage(normalizeRows(x, out, len, attrs.eps, affine, null));
}

const silu = (v: number) => v / (1 + Math.exp(-v));

/** Fused group norm of [N, C, ...] with per-channel affine and an optional SiLU (reference). */
export function groupNormKernel(inputs: readonly TensorView[], attrs: KernelAttrs["groupNorm"], out: OutputInfo): CpuStorage {
  const x = inputs[0]!;
  const w = attrs.weight ? inputs[1] : undefined;
  const b = attrs.bias ? inputs[attrs.weight ? 2 : 1] : undefined;
  const C = x.shape[1]!;
  const S = sizeOf(x.shape.slice(2));
  const cg = C / attrs.groups;
  const len = cg * S;
  const wd = w ? dataOf(w) : null, bd = b ? dataOf(b) : null;
  const affine = (r: number, j: number, v: number) => {
    const c = (r % attrs.groups) * cg + Math.floor(j / S);
    let y = v;
    if (wd) y *= wd[w!.offset + c * w!.strides[0]!]!;
    if (bd) y += bd[b!.offset + c * b!.strides[0]!]!;
    return y;
  };
  return new CpuStorage(normalizeRows(x, out, len, attrs.eps, affine, attrs.activation === "silu" ? silu : null));
}
