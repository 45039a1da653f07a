/**
 * The CPU backend's reference kernels: one plain-TypeScript kernel per op, simple and obviously right. The fast
 * kernels (fast.ts: WebAssembly SIMD, threads) replace entries of this table.
 */
import type { Kernel, KernelAttrs, KernelTable } from "../backend.js";
import { BINARY, UNARY, type BinaryOpName, type UnaryOpName } from "../../ops/elementwise-table.js";
import { binaryKernel, castKernel, clampKernel, contiguousKernel, fillKernel, unaryKernel, whereKernel } from "./elementwise.js";
import { gatherKernel, indexSelectKernel, scatterAddKernel } from "./indexing.js";
import { concatKernel, scatterSliceKernel } from "./shape.js";
import { matmulKernel } from "./matmul.js";
import { attentionKernel } from "./attention.js";
import { biasActKernel } from "./bias-act.js";
import { layerNormKernel, groupNormKernel } from "./norm.js";
import { normGradKernel } from "./norm-grad.js";
import { argKernel, reduceKernel } from "./reduce.js";
import { softmaxKernel } from "./softmax.js";
import { conv2dKernel } from "./conv.js";
import { foldKernel, unfoldKernel } from "./window.js";

type ElementwiseKernels = { [K in UnaryOpName | BinaryOpName]: Kernel<KernelAttrs[K]> };

function elementwiseKernels(): ElementwiseKernels {
  const table: Partial<ElementwiseKernels> = {};
  for (const name of Object.keys(UNARY) as UnaryOpName[]) table[name] = unaryKernel(name);
  for (const name of Object.keys(BINARY) as BinaryOpName[]) table[name] = binaryKernel(name);
  return table as ElementwiseKernels;
}

/** The reference kernels in plain TypeScript; fast kernels may replace entries of this table. */
export const referenceKernels: KernelTable = {
  ...elementwiseKernels(),
  fill: fillKernel,
  cast: castKernel,
  contiguous: contiguousKernel,
  where: whereKernel,
  clamp: clampKernel,
  sum: reduceKernel("sum"),
  prod: reduceKernel("prod"),
  max: reduceKernel("max"),
  min: reduceKernel("min"),
  argmax: argKernel("max"),
  argmin: argKernel("min"),
  matmul: matmulKernel,
  unfold: unfoldKernel,
  fold: foldKernel,
  conv2d: conv2dKernel,
  gather: gatherKernel,
  scatterAdd: scatterAddKernel,
  indexSelect: indexSelectKernel,
  scatterSlice: scatterSliceKernel,
  concat: concatKernel,
  softmax: softmaxKernel(false),
  logSoftmax: softmaxKernel(true),
  layerNorm: layerNormKernel,
  groupNorm: groupNormKernel,
  attention: attentionKernel,
  biasAct: biasActKernel,
  normGrad: normGradKernel,
};
