/**
 * float32 `sum` on the WebAssembly SIMD reductions (wasm/reduce.ts: float64 accumulators like the reference,
 * threads) for input in the kernel memory, in the layouts the DIVA step's backward produces: the reduced dims
 * all before the kept ones, which are contiguous (bias and weight gradients: column sums), the reduced dims
 * all after the kept ones and contiguous (norm statistics, softmax backward: row sums), and whole-tensor sums
 * of contiguous data (gradient norms). Anything else is left to the caller (undefined).
 */
import type { OutputInfo, TensorView } from "../backend.js";
import { allocOutput } from "./host-pool.js";
import { collapse } from "./loops.js";
import { CpuStorage, dataOf } from "./storage.js";
import { colSumsF32, rowMomentsF32 } from "./wasm/reduce.js";

/** Sums of a block with at most two outer dims, the inner `f` given one outer dim; undefined when `f` declines. */
function overOuter(shape: number[], strides: number[], offset: number, f: (offset: number, stride: number, count: number) => Float64Array | undefined): Float64Array | undefined {
  if (shape.length === 1) return f(offset, strides[0]!, shape[0]!);
  if (shape.length !== 2) return undefined;
  let acc: Float64Array | undefined;
  for (let i = 0; i < shape[0]!; i++) {
    const part = f(offset + i * strides[0]!, strides[1]!, shape[1]!);
    if (!part) return undefined;
    if (!acc) acc = part;
    else for (let j = 0; j < acc.length; j++) acc[j] += part[j]!;
  }
  return acc;
}

/** A collapsed index space with the stride of a size-1 dim set to 1 (it is never stepped; all size 1 collapses to [1]). */
function unit(c: { shape: number[]; strides: number[][] }): { shape: number[]; strides: number[][] } {
  return { shape: c.shape, strides: c.strides.map((s) => s.map((v, d) => (c.shape[d] === 1 ? 1 : v))) };
}

/** `sum` over `axes` of float32 x in the kernel memory, or undefined when the layout or storage does not suit. */
export function simdSum(x: TensorView, axes: readonly number[], out: OutputInfo): CpuStorage | undefined {
  if (x.dtype !== "float32" || out.dtype !== "float32") return undefined;
  const data = dataOf(x) as Float32Array;
  const n = out.shape.reduce((a, b) => a * b, 1);
  const sorted = [...axes].sort((a, b) => a - b);
  const kept = x.shape.map((_, i) => i).filter((i) => !sorted.includes(i));
  if (sorted.length === 0 || n === 0) return undefined;
  const red = unit(collapse(sorted.map((i) => x.shape[i]!), [sorted.map((i) => x.strides[i]!)]));
  const redStrides = red.strides[0]!;
  if (redStrides.some((s) => s < 0)) return undefined;
  let sums: Float64Array | undefined;
  if (kept.length === 0) {
    // everything: one contiguous run
    if (red.shape.length !== 1 || redStrides[0] !== 1) return undefined;
    const m = rowMomentsF32(data, x.offset, 0, 1, red.shape[0]!, false);
    sums = m?.sum;
  } else {
    const k = unit(collapse(kept.map((i) => x.shape[i]!), [kept.map((i) => x.strides[i]!)]));
    const keptStrides = k.strides[0]!;
    if (keptStrides.some((s) => s < 0)) return undefined;
    if (sorted[sorted.length - 1]! < kept[0]! && k.shape.length === 1 && keptStrides[0] === 1) {
      // reduced dims lead: column sums of rows of n
      sums = overOuter(red.shape, redStrides, x.offset, (o, stride, rows) => colSumsF32(data, o, stride, rows, n));
    } else if (kept[kept.length - 1]! < sorted[0]! && red.shape.length === 1 && redStrides[0] === 1) {
      // reduced dims trail and are contiguous: one run per output
      const len = red.shape[0]!;
      if (k.shape.length === 1) sums = rowMomentsF32(data, x.offset, keptStrides[0]!, k.shape[0]!, len, false)?.sum;
      else if (k.shape.length === 2) {
        const parts: Float64Array[] = [];
        for (let i = 0; i < k.shape[0]!; i++) {
          const p = rowMomentsF32(data, x.offset + i * keptStrides[0]!, keptStrides[1]!, k.shape[1]!, len, false)?.sum;
          if (!p) return undefined;
          parts.push(p);
        }
        sums = new Float64Array(n);
        parts.forEach((p, i) => sums!.set(p, i * p.length));
      }
    }
  }
  if (!sums || sums.length !== n) return undefined;
  const res = allocOutput("float32", n, false) as Float32Array;
  res.set(sums);
  return new CpuStorage(res);
}
