/**
 * float16 on the CPU backend: storage holds the half bit patterns (2 bytes per element), and every kernel
 * reads float16 operands converted to float32 for the duration of one call ("read f16, compute f32, accumulate
 * f32"), then rounds a float16 output back to half. So a float16 tensor costs half the memory of a float32 one
 * while it is stored, and only the operands of the kernel in flight exist in float32 at any moment; the
 * kernels themselves stay float32-only.
 */
import type { Kernel, KernelTable, OutputInfo, Storage, TensorView } from "../backend.js";
import { f16ArrayToF32, f32ArrayToF16 } from "../../io/half.js";
import { forgetPackedWeights } from "./packed-weights.js";
import { CpuStorage } from "./storage.js";

/** CPU storage of a float16 tensor: its elements as IEEE half bit patterns. */
export class CpuHalfStorage implements Storage {
  constructor(readonly bits: Uint16Array) {}
  get byteLength(): number {
    return this.bits.byteLength;
  }
}

/** The half storage of float32 (host layout) values, rounded to nearest even. */
export function encodeHalf(values: Float32Array | Float64Array): CpuHalfStorage {
  return new CpuHalfStorage(f32ArrayToF16(values));
}

/** Elements `offset .. offset + size` of a half storage as float32 values (exact). */
export function decodeHalf(storage: CpuHalfStorage, offset: number, size: number): Float32Array {
  return f16ArrayToF32(storage.bits.subarray(offset, offset + size));
}

/** First and one-past-last element index a strided view reads. */
function span(v: TensorView): [number, number] {
  let lo = v.offset;
  let hi = v.offset;
  for (let d = 0; d < v.shape.length; d++) {
    const n = v.shape[d]!;
    if (n === 0) return [v.offset, v.offset];
    const reach = (n - 1) * v.strides[d]!;
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  return [lo, hi + 1];
}

/** A float32 view of the elements a float16 view reads (only its span is converted). */
function widen(v: TensorView): TensorView {
  const [lo, hi] = span(v);
  const data = decodeHalf(v.storage as CpuHalfStorage, lo, hi - lo);
  return { storage: new CpuStorage(data), dtype: "float32", shape: v.shape, strides: v.strides, offset: v.offset - lo };
}

/** Kernel attributes that name a dtype (fill, cast) computed as float32 when they name float16. */
function widenAttrs<A>(attrs: A): A {
  const a = attrs as { dtype?: unknown };
  return a && typeof a === "object" && a.dtype === "float16" ? ({ ...attrs, dtype: "float32" } as A) : attrs;
}

/** `kernel` made to accept float16 operands and produce float16 outputs through float32. */
function withHalf<A>(kernel: Kernel<A>): Kernel<A> {
  return (inputs: readonly TensorView[], attrs: A, out: OutputInfo): Storage => {
    if (out.dtype !== "float16" && !inputs.some((v) => v.dtype === "float16")) return kernel(inputs, attrs, out);
    const widened = inputs.map((v) => (v.dtype === "float16" ? widen(v) : v));
    const halfOut = out.dtype === "float16";
    try {
      const result = kernel(widened, widenAttrs(attrs), halfOut ? { shape: out.shape, dtype: "float32" } : out);
      return halfOut ? encodeHalf((result as CpuStorage).data as Float32Array) : result;
    } finally {
      // packed forms of the temporary float32 operands can never be hit again: drop them at once
      for (let i = 0; i < inputs.length; i++) if (widened[i] !== inputs[i]) forgetPackedWeights(widened[i]!.storage);
    }
  };
}

/** Every kernel of `table` wrapped by {@link withHalf}. */
export function withHalfKernels(table: KernelTable): KernelTable {
  const out: Partial<Record<keyof KernelTable, Kernel<never>>> = {};
  for (const name of Object.keys(table) as (keyof KernelTable)[]) out[name] = withHalf(table[name] as Kernel<never>);
  return out as KernelTable;
}
