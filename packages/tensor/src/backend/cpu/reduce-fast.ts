import type { OutputInfo, TensorView } from "../backend.js";
import type { TypedArray } from "../../dtype.js";
import { allocOutput } from "./host-pool.js";
import { collapse } from "./loops.js";
import { reduceKernel } from "./reduce.js";
import { CpuStorage, dataOf } from "./storage.js";
import { colSumsF32, rowMomentsF32 } from "./wasm/reduce.js";

/**
 * `sum` for the two layouts gradients produce most (bias and weight gradients, layer-norm statistics): the
 * reduced dims all before the kept ones, which are contiguous (whole rows are accumulated), or all after
 * them and contiguous (each output sums one contiguous run). Accumulates in float64 like the reference;
 * the loops are compiled once per array type so that element reads stay monomorphic. Other layouts use the
 * reference kernel.
 */

type Rows = (src: TypedArray, offsets: Int32Array, n: number, acc: Float64Array) => void;
type Runs = (src: TypedArray, bases: Int32Array, len: number, out: TypedArray) => void;

const rowsCache = new Map<string, Rows>();
const runsCache = new Map<string, Runs>();

function rowsFor(src: TypedArray): Rows {
  const key = src.constructor.name;
  let f = rowsCache.get(key);
  if (!f) {
    f = new Function(
      "return function rows(src, offsets, n, acc) { for (let j = 0; j < offsets.length; j++) { const o = offsets[j]; for (let c = 0; c < n; c++) acc[c] += src[o + c]; } };",
    )() as Rows;
    rowsCache.set(key, f);
  }
  return f;
}

function runsFor(src: TypedArray, out: TypedArray): Runs {
  const key = `${src.constructor.name}>${out.constructor.name}`;
  let f = runsCache.get(key);
  if (!f) {
    f = new Function(
      "return function runs(src, bases, len, out) { for (let o = 0; o < bases.length; o++) { const b = bases[o]; let s = 0; for (let j = 0; j < len; j++) s += src[b + j]; out[o] = s; } };",
    )() as Runs;
    runsCache.set(key, f);
  }
  return f;
}

/** Offsets of the elements of a collapsed index space (row-major). */
function offsets(shape: readonly number[], strides: readonly number[], base: number): Int32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Int32Array(n);
  const r = shape.length;
  const idx = new Array<number>(r).fill(0);
  let o = base;
  for (let p = 0; p < n; p++) {
    out[p] = o;
    for (let d = r - 1; d >= 0; d--) {
      o += strides[d]!;
      if (++idx[d]! < shape[d]!) break;
      o -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/*
 * float32 `sum` on the WebAssembly SIMD reductions (wasm/reduce.ts: float64 accumulators like the reference,
 * threads) for input in the kernel memory, in the layouts the DIVA step's backward produces: the reduced dims
 * all before the kept ones, which are contiguous (bias and weight gradients: column sums), the reduced dims
 * all after the kept ones and contiguous (norm statistics, softmax backward: row sums), and whole-tensor sums
 * of contiguous data (gradient norms). Anything else is left to the caller (undefined).
 */

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
function simdSum(x: TensorView, axes: readonly number[], out: OutputInfo): CpuStorage | undefined {
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

const reference = reduceKernel("sum");

/** Sum over `axes` (see the module comment for the layouts it speeds up). */
export function fastSumKernel(inputs: readonly TensorView[], attrs: { axes: readonly number[] }, out: OutputInfo): CpuStorage {
  const x = inputs[0]!;
  const simd = simdSum(x, attrs.axes, out);
  if (simd) return simd;
  const r = x.shape.length;
  const axes = [...attrs.axes].sort((a, b) => a - b);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const n = out.shape.reduce((a, b) => a * b, 1);
  if (n === 0 || axes.length === 0 || kept.length === 0 || out.dtype === "int32" || out.dtype === "bool") return reference(inputs, attrs, out);
  const k = collapse(kept.map((i) => x.shape[i]!), [kept.map((i) => x.strides[i]!)]);
  const red = collapse(axes.map((i) => x.shape[i]!), [axes.map((i) => x.strides[i]!)]);
  const src = dataOf(x);
  const leading = axes[axes.length - 1]! < kept[0]!;
  const trailing = kept[kept.length - 1]! < axes[0]!;
  if (leading && k.shape.length === 1 && k.strides[0]![0] === 1) {
    const acc = new Float64Array(n);
    rowsFor(src)(src, offsets(red.shape, red.strides[0]!, x.offset), n, acc);
    const res = allocOutput(out.dtype, n, false);
    res.set(acc);
    return new CpuStorage(res);
  }
  if (trailing && red.shape.length === 1 && red.strides[0]![0] === 1 && r > 0) {
    const res = allocOutput(out.dtype, n, false);
    runsFor(src, res)(src, offsets(k.shape, k.strides[0]!, x.offset), red.shape[0]!, res);
    return new CpuStorage(res);
  }
  return reference(inputs, attrs, out);
}
