import type { KernelAttrs, OutputInfo, Storage, TensorView } from "../backend.js";
import { contiguousStrides, mergedStride } from "../../shape.js";
import { contiguousKernel } from "./elementwise.js";
import { matmulKernel } from "./matmul.js";
import { unfoldKernel } from "./window.js";

/** Sizes of a conv2d: input, weight, output and the GEMM dims per group. */
interface ConvDims {
  N: number;
  C: number;
  O: number;
  groups: number;
  /** Rows of the unfolded input per group (C/groups * kh * kw). */
  Kg: number;
  /** Output positions (oh * ow). */
  L: number;
}

export function convDims(x: TensorView, w: TensorView, attrs: KernelAttrs["conv2d"], out: OutputInfo): ConvDims {
  const [N, C] = x.shape as [number, number];
  const [O, Cg, kh, kw] = w.shape as [number, number, number, number];
  return { N, C, O, groups: attrs.groups, Kg: Cg * kh * kw, L: out.shape[2]! * out.shape[3]! };
}

/**
 * The weight as the A operand of the batched GEMM [N, groups, O/groups, Kg] (batch N broadcast), copied to
 * a contiguous storage first when its (C/groups, kh, kw) dims do not merge.
 */
function weightOperand(w: TensorView, d: ConvDims): TensorView {
  let v = w;
  let s = mergedStride(w.shape, w.strides, 1);
  if (s === null) {
    v = { storage: contiguousKernel([w], {}, { shape: w.shape, dtype: w.dtype }), dtype: w.dtype, shape: w.shape, strides: contiguousStrides(w.shape), offset: 0 };
    s = 1;
  }
  const og = d.O / d.groups;
  return { storage: v.storage, dtype: v.dtype, shape: [d.N, d.groups, og, d.Kg], strides: [0, og * v.strides[0]!, v.strides[0]!, s], offset: v.offset };
}

/** Reference conv2d: the reference unfold, then the reference batched matmul (float64 accumulation). */
export function conv2dKernel(inputs: readonly TensorView[], attrs: KernelAttrs["conv2d"], out: OutputInfo): Storage {
  const [x, w] = inputs as [TensorView, TensorView];
  const d = convDims(x, w, attrs, out);
  const K = d.groups * d.Kg;
  const cols = unfoldKernel([x], attrs, { shape: [d.N, K, d.L], dtype: out.dtype });
  const b: TensorView = { storage: cols, dtype: out.dtype, shape: [d.N, d.groups, d.Kg, d.L], strides: [K * d.L, d.Kg * d.L, d.L, 1], offset: 0 };
  return matmulKernel([weightOperand(w, d), b], {}, { shape: [d.N, d.groups, d.O / d.groups, d.L], dtype: out.dtype });
}
