import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { allocHost, type TypedArray } from "../../dtype.js";
import { sizeOf } from "../../shape.js";
import { offsetsOf, CpuStorage, dataOf } from "./storage.js";

/** Per-batch base offsets and the row/column strides of a [..., rows, cols] view. */
interface BatchedMatrix {
  readonly data: TypedArray;
  /** Storage index of element [0, 0] of each batch entry (row-major over the batch dims). */
  readonly base: Int32Array;
  readonly rowStride: number;
  readonly colStride: number;
}

/** Splits a rank-r view into batch bases over `batchShape` and its trailing two strides. */
function batched(v: TensorView, batchShape: readonly number[]): BatchedMatrix {
  const r = v.shape.length;
  return { data: dataOf(v), base: offsetsOf(batchShape, v.strides.slice(0, r - 2), v.offset), rowStride: v.strides[r - 2]!, colStride: v.strides[r - 1]! };
}

/** The operands of a fused attention (query, key, value, optional mask) over the output's batch dims, and its sizes. */
export interface AttentionOperands {
  q: BatchedMatrix;
  k: BatchedMatrix;
  v: BatchedMatrix;
  m: BatchedMatrix | null;
  /** Query rows, key rows, query/key width, value width. */
  Lq: number;
  Lk: number;
  D: number;
  Dv: number;
}

/** Splits the inputs of an attention kernel into batched matrices (batch dims broadcast with zero strides). */
export function attentionOperands(inputs: readonly TensorView[], out: OutputInfo): AttentionOperands {
  const [qv, kv, vv, mv] = inputs as [TensorView, TensorView, TensorView, TensorView | undefined];
  const r = out.shape.length;
  const batchShape = out.shape.slice(0, r - 2);
  const [Lq, Dv] = [out.shape[r - 2]!, out.shape[r - 1]!];
  const [Lk, D] = [kv.shape[r - 2]!, kv.shape[r - 1]!];
  const q = batched(qv, batchShape), k = batched(kv, batchShape), v = batched(vv, batchShape);
  const m = mv ? batched(mv, batchShape) : null;
  return { q, k, v, m, Lq, Lk, D, Dv };
}

/**
 * Scales the scores of query row `i` (in `s`, `n` entries, keys 0..n-1), applies the causal and boolean or
 * additive masks, and turns them into exp(score - max) in place. Returns the sum of the exponentials (0 for a
 * fully masked row, which then gives NaN as the unfused softmax does).
 */
export function maskedExpRow(
  s: Float64Array | Float32Array,
  n: number,
  i: number,
  attrs: KernelAttrs["attention"],
  mask: BatchedMatrix | null,
  b: number,
): number {
  let mx = -Infinity;
  const mo = mask ? mask.base[b]! + i * mask.rowStride : 0;
  for (let j = 0; j < n; j++) {
    let val = s[j]! * attrs.scale;
    if (attrs.causal && j > i) val = -Infinity;
    else if (mask) {
      const mv = mask.data[mo + j * mask.colStride]!;
      if (attrs.mask === "bool") {
        if (!mv) val = -Infinity;
      } else val += mv;
    }
    s[j] = val;
    if (val > mx || Number.isNaN(val)) mx = val;
  }
  if (mx === -Infinity) mx = 0;
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const e = Math.exp(s[j]! - mx);
    s[j] = e;
    sum += e;
  }
  return sum;
}

/**
 * Reference fused attention: per query row, the masked scores in float64, their softmax and the weighted sum
 * of value rows. Any layout (batch dims broadcast with zero strides) and float dtype.
 */
export function attentionKernel(inputs: readonly TensorView[], attrs: KernelAttrs["attention"], out: OutputInfo): CpuStorage {
  const { q, k, v, m, Lq, Lk, D, Dv } = attentionOperands(inputs, out);
  const res = allocHost(out.dtype, sizeOf(out.shape));
  const s = new Float64Array(Lk);
  const acc = new Float64Array(Dv);
  for (let b = 0; b < q.base.length; b++) {
    for (let i = 0; i < Lq; i++) {
      const qo = q.base[b]! + i * q.rowStride;
      for (let j = 0; j < Lk; j++) {
        const ko = k.base[b]! + j * k.rowStride;
        let dot = 0;
        for (let d = 0; d < D; d++) dot += q.data[qo + d * q.colStride]! * k.data[ko + d * k.colStride]!;
        s[j] = dot;
      }
      const sum = maskedExpRow(s, Lk, i, attrs, m, b);
      acc.fill(0);
      for (let j = 0; j < Lk; j++) {
        const p = s[j]!;
        if (p === 0) continue;
        const vo = v.base[b]! + j * v.rowStride;
        for (let d = 0; d < Dv; d++) acc[d] += p * v.data[vo + d * v.colStride]!;
      }
      const o = (b * Lq + i) * Dv;
      for (let d = 0; d < Dv; d++) res[o + d] = acc[d]! / sum;
    }
  }
  return new CpuStorage(res);
}
