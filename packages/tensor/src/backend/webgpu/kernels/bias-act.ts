import type { KernelAttrs, OutputInfo, TensorView } from "../../backend.js";
import { UNARY } from "../../../ops/elementwise-table.js";
import type { GpuContext } from "../context.js";
import { broadcastTo } from "../layout.js";
import type { WebGPUStorage } from "../storage.js";
import { mapKernel } from "./map.js";

/**
 * act(x + bias), bias broadcast over the last axis, in one elementwise pass computed in f32 (f16 storage
 * too). The activation is the WGSL expression of the elementwise table.
 */
export function biasAct(ctx: GpuContext, x: TensorView, bias: TensorView, attrs: KernelAttrs["biasAct"], out: OutputInfo): WebGPUStorage {
  const act = attrs.activation;
  return mapKernel(ctx, {
    op: "biasAct",
    key: `biasAct:${act}`,
    T: "f32",
    inputs: [
      { view: x, strides: x.strides, as: "f32" },
      { view: bias, strides: broadcastTo(bias.shape, bias.strides, out.shape), as: "f32" },
    ],
    shape: out.shape,
    outDtype: out.dtype,
    valueType: "f32",
    body: act === "none" ? "let r = v0 + v1;" : `let x = v0 + v1;\n  let r = ${UNARY[act].wgsl};`,
  });
}
