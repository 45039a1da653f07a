import type { KernelTable, OutputInfo, TensorView } from "../../backend.js";
import { BINARY, UNARY, type BinaryOpName, type UnaryOpName } from "../../../ops/elementwise-table.js";
import type { GpuContext } from "../context.js";
import { attention } from "./attention.js";
import { biasAct } from "./bias-act.js";
import { conv2d } from "./conv.js";
import { binary, cast, clamp, fill, unary, where } from "./elementwise.js";
import { gather, indexSelect, scatterAdd } from "./indexing.js";
import { concat, scatterSlice } from "./shape.js";
import { matmul } from "./matmul.js";
import { groupNorm, layerNorm } from "./norm.js";
import { normGrad } from "./norm-grad.js";
import { argReduce, reduce } from "./reduce.js";
import { softmax } from "./softmax.js";
import { fold, unfold } from "./window.js";

type ElementwiseKernels = {
  [K in UnaryOpName | BinaryOpName]: (inputs: readonly TensorView[], attrs: Record<string, never>, out: OutputInfo) => ReturnType<typeof fill>;
};

/** The WebGPU kernel table: every kernel of `KernelAttrs`, each recording its dispatches on `ctx`. */
export function buildKernelTable(ctx: GpuContext): KernelTable {
  const elementwise = {} as ElementwiseKernels;
  for (const name of Object.keys(UNARY) as UnaryOpName[]) {
    elementwise[name] = (inputs, _attrs, out) => unary(ctx, name, inputs[0]!, out);
  }
  for (const name of Object.keys(BINARY) as BinaryOpName[]) {
    elementwise[name] = (inputs, _attrs, out) => binary(ctx, name, inputs[0]!, inputs[1]!, out);
  }
  return {
    ...elementwise,
    fill: (_inputs, attrs, out) => fill(ctx, attrs.value, out),
    cast: (inputs, _attrs, out) => cast(ctx, inputs[0]!, out),
    contiguous: (inputs, _attrs, out) => cast(ctx, inputs[0]!, out, "contiguous"),
    where: (inputs, _attrs, out) => where(ctx, inputs[0]!, inputs[1]!, inputs[2]!, out),
    clamp: (inputs, attrs, out) => clamp(ctx, inputs[0]!, attrs.min, attrs.max, out),
    sum: (inputs, attrs, out) => reduce(ctx, "sum", inputs[0]!, attrs.axes, out),
    prod: (inputs, attrs, out) => reduce(ctx, "prod", inputs[0]!, attrs.axes, out),
    max: (inputs, attrs, out) => reduce(ctx, "max", inputs[0]!, attrs.axes, out),
    min: (inputs, attrs, out) => reduce(ctx, "min", inputs[0]!, attrs.axes, out),
    argmax: (inputs, attrs, out) => argReduce(ctx, "argmax", inputs[0]!, attrs.axis, out),
    argmin: (inputs, attrs, out) => argReduce(ctx, "argmin", inputs[0]!, attrs.axis, out),
    matmul: (inputs, _attrs, out) => matmul(ctx, inputs[0]!, inputs[1]!, out),
    unfold: (inputs, attrs, out) => unfold(ctx, inputs[0]!, attrs, out),
    fold: (inputs, attrs, out) => fold(ctx, inputs[0]!, attrs, out),
    conv2d: (inputs, attrs, out) => conv2d(ctx, inputs[0]!, inputs[1]!, attrs, out),
    gather: (inputs, attrs, out) => gather(ctx, inputs[0]!, inputs[1]!, attrs.axis, out),
    scatterAdd: (inputs, attrs, out) => scatterAdd(ctx, inputs[0]!, inputs[1]!, inputs[2]!, attrs.axis, out),
    indexSelect: (inputs, attrs, out) => indexSelect(ctx, inputs[0]!, inputs[1]!, attrs.axis, out),
    scatterSlice: (inputs, attrs, out) => scatterSlice(ctx, inputs[0]!, attrs, out),
    concat: (inputs, attrs, out) => concat(ctx, inputs, attrs.axis, out),
    softmax: (inputs, attrs, out) => softmax(ctx, false, inputs[0]!, attrs.axis, out),
    logSoftmax: (inputs, attrs, out) => softmax(ctx, true, inputs[0]!, attrs.axis, out),
    layerNorm: (inputs, attrs, out) => layerNorm(ctx, inputs, attrs, out),
    groupNorm: (inputs, attrs, out) => groupNorm(ctx, inputs, attrs, out),
    attention: (inputs, attrs, out) => attention(ctx, inputs, attrs, out),
    biasAct: (inputs, attrs, out) => biasAct(ctx, inputs[0]!, inputs[1]!, attrs, out),
    normGrad: (inputs, attrs, out) => normGrad(ctx, inputs, attrs, out),
  };
}
