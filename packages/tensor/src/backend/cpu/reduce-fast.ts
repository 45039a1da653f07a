import type { OutputInfo, TensorView } from "../backend.js";
import type { TypedArray } from "../../dtype.js";
import { allocOutput } from "./host-pool.js";
import { collapse } from "./loops.js";
import { reduceKernel } from "./reduce.js";
import { CpuStorage, dataOf } from "./storage.js";
import { simdSum } from "./sum-simd.js";

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
