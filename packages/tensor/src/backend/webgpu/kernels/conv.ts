import type { KernelAttrs, OutputInfo, TensorView } from "../../backend.js";
import { contiguousStrides, mergedStride } from "../../../shape.js";
import type { GpuContext } from "../context.js";
import type { WebGPUStorage } from "../storage.js";
import { cast } from "./elementwise.js";
import { matmul } from "./matmul.js";
import { unfold } from "./window.js";

/**
 * conv2d as im2col then the batched matmul: [N, groups, O/groups, Kg] (weight, batch broadcast) @
 * [N, groups, Kg, L] (columns); the column buffer goes back to the pool once the queue has run.
 */
export function conv2d(ctx: GpuContext, x: TensorView, w: TensorView, attrs: KernelAttrs["conv2d"], out: OutputInfo): WebGPUStorage {
  const [N, C] = x.shape as [number, number];
  const [O, Cg, kh, kw] = w.shape as [number, number, number, number];
  const G = attrs.groups, og = O / G, Kg = Cg * kh * kw, K = C * kh * kw;
  const L = out.shape[2]! * out.shape[3]!;
  const cols = unfold(ctx, x, attrs, { shape: [N, K, L], dtype: out.dtype });
  let wv = w;
  let s = mergedStride(w.shape, w.strides, 1);
  let copy: WebGPUStorage | undefined;
  if (s === null) {
    copy = cast(ctx, w, { shape: w.shape, dtype: w.dtype }, "contiguous");
    wv = { storage: copy, dtype: w.dtype, shape: w.shape, strides: contiguousStrides(w.shape), offset: 0 };
    s = 1;
  }
  const a: TensorView = { storage: wv.storage, dtype: w.dtype, shape: [N, G, og, Kg], strides: [0, og * wv.strides[0]!, wv.strides[0]!, s], offset: wv.offset };
  const b: TensorView = { storage: cols, dtype: out.dtype, shape: [N, G, Kg, L], strides: [K * L, Kg * L, L, 1], offset: 0 };
  const y = matmul(ctx, a, b, { shape: [N, G, og, L], dtype: out.dtype });
  for (const t of copy ? [cols, copy] : [cols]) {
    t.freed = true;
    ctx.pool.release(t.buffer);
  }
  return y;
}
