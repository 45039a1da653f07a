/** WebGPU kernels of the shape ops that copy data (see ops/shape.ts): concatenation and scatterSlice. */
import type { OutputInfo, TensorView } from "../../backend.js";
import type { GpuContext } from "../context.js";
import { wgslComputeType } from "../dtypes.js";
import { contiguousStrides, sizeOf } from "../../../shape.js";
import { Params } from "../params.js";
import type { WebGPUStorage } from "../storage.js";
import { mapKernel } from "./map.js";

/** Concatenation along `axis`: one strided copy per input into its slab of the output. */
export function concat(ctx: GpuContext, inputs: readonly TensorView[], axis: number, out: OutputInfo): WebGPUStorage {
  const storage = ctx.alloc(out.dtype, sizeOf(out.shape), "concat", out.shape);
  const strides = contiguousStrides(out.shape);
  let at = 0;
  for (const x of inputs) {
    const T = wgslComputeType(x.dtype);
    mapKernel(ctx, {
      op: "concat",
      key: "copy",
      T,
      inputs: [{ view: x, strides: x.strides, as: T }],
      shape: x.shape,
      outDtype: out.dtype,
      valueType: T,
      body: "let r = v0;",
      into: { storage, offset: at * strides[axis]!, strides },
    });
    at += x.shape[axis]!;
  }
  return storage;
}

/** A tensor of the output shape filled with `value`, with x written at `starts` stepping `steps` (may be negative). */
export function scatterSlice(
  ctx: GpuContext,
  x: TensorView,
  attrs: { readonly starts: readonly number[]; readonly steps: readonly number[]; readonly value: number },
  out: OutputInfo,
): WebGPUStorage {
  const T = wgslComputeType(out.dtype);
  const rank = out.shape.length;
  const fillWord = new Params();
  fillWord.value(out.dtype === "bool" ? (attrs.value !== 0 && !Number.isNaN(attrs.value) ? 1 : 0) : attrs.value, T);
  const scalars = [fillWord.toArray()[0]!];
  const stmts = ["var ok = true;", "var q = i32(p0);"];
  for (let d = 0; d < rank; d++) {
    const j = 1 + 4 * d;
    scalars.push(attrs.starts[d]! >>> 0, attrs.steps[d]! >>> 0, x.shape[d]!, x.strides[d]! >>> 0);
    stmts.push(
      `let t${d} = i32(c${d}) - bitcast<i32>(s${j}); let st${d} = bitcast<i32>(s${j + 1}); let j${d} = t${d} / st${d};`,
      `ok = ok && (t${d} % st${d} == 0) && j${d} >= 0 && j${d} < i32(s${j + 2}); q = q + j${d} * bitcast<i32>(s${j + 3});`,
    );
  }
  stmts.push("var r = bitcast<T>(s0);", "if (ok) { r = ld0(u32(q)); }");
  return mapKernel(ctx, {
    op: "scatterSlice",
    key: "scatterSlice",
    T,
    inputs: [{ view: x, strides: out.shape.map(() => 0), as: T, raw: true }],
    shape: out.shape,
    outDtype: out.dtype,
    valueType: T,
    keepRank: true,
    scalars,
    body: stmts.join("\n  "),
  });
}
