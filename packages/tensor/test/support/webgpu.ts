/**
 * Helpers for the WebGPU kernel tests: a backend (or a printed reason to skip; under CI=true a missing
 * adapter is an error), strided views over uploaded data, and reference evaluation of strided views.
 */
import type { Storage, TensorView } from "../../src/backend/backend.js";
import type { DType, TypedArray } from "../../src/dtype.js";
import { contiguousStrides } from "../../src/shape.js";
import { createWebGPUBackend, type WebGPUBackend } from "../../src/backend/webgpu/webgpu-backend.js";

/** The backend for a test file, or null (with the reason printed) when no adapter exists outside CI. */
export async function gpuOrSkip(): Promise<WebGPUBackend | null> {
  try {
    const b = await createWebGPUBackend();
    console.info(`webgpu tests on ${b.adapter.name} via ${b.adapter.via}; features: ${b.adapter.features.join(", ")}`);
    return b;
  } catch (e) {
    if (process.env.CI === "true") throw e;
    console.warn(`Skipping WebGPU tests: ${(e as Error).message}`);
    return null;
  }
}

/** A view description: shape, strides and offset in elements of an underlying flat array. */
export interface Layout {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/** A contiguous layout of `shape`. */
function contiguousLayout(shape: readonly number[]): Layout {
  return { shape, strides: contiguousStrides(shape), offset: 0 };
}

/** Uploads `data` and returns a view of it with `layout` (contiguous `shape` by default). */
export function viewOf(b: WebGPUBackend, data: ArrayLike<number>, dtype: DType, layout: Layout | readonly number[]): TensorView {
  const l = Array.isArray(layout) ? contiguousLayout(layout as readonly number[]) : (layout as Layout);
  const host = hostArray(dtype, data);
  return { storage: b.upload(host, dtype), dtype, shape: l.shape, strides: l.strides, offset: l.offset };
}

/** A host typed array for `dtype` holding `data`. */
function hostArray(dtype: DType, data: ArrayLike<number>): TypedArray {
  switch (dtype) {
    case "int32":
      return Int32Array.from(data);
    case "bool":
      return Uint8Array.from(data, (v) => (v ? 1 : 0));
    case "float64":
      return Float64Array.from(data);
    default:
      return Float32Array.from(data);
  }
}

/** Reads a whole contiguous output storage of `size` elements. */
export async function readAll(b: WebGPUBackend, s: Storage, dtype: DType, size: number): Promise<number[]> {
  return Array.from(await b.read(s, dtype, 0, size));
}

/** The elements of a strided view of `data`, in row-major order. */
export function gatherView(data: ArrayLike<number>, l: Layout): number[] {
  const out: number[] = [];
  const n = l.shape.reduce((a, c) => a * c, 1);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let p = l.offset;
    for (let d = l.shape.length - 1; d >= 0; d--) {
      const c = rem % l.shape[d]!;
      rem = Math.floor(rem / l.shape[d]!);
      p += c * l.strides[d]!;
    }
    out.push(data[p]!);
  }
  return out;
}

/** Deterministic pseudo-random numbers in [lo, hi). */
export function randoms(n: number, lo: number, hi: number, seed = 1): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out.push(lo + ((s >>> 0) / 4294967296) * (hi - lo));
  }
  return out;
}

/** Deterministic pseudo-random integers in [lo, hi). */
export function randomInts(n: number, lo: number, hi: number, seed = 1): number[] {
  return randoms(n, lo, hi, seed).map(Math.floor);
}

/** Throws unless every element matches within `atol + rtol * |expected|` (NaN matches NaN, infinities exactly). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6, what = ""): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= atol + rtol * Math.abs(e)) continue;
    throw new Error(`${what}: element ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})\n got  ${Array.from(actual).slice(0, 16).join(", ")}\n want ${Array.from(expected).slice(0, 16).join(", ")}`);
  }
}
