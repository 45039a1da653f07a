import type { KernelTable, OutputInfo, TensorView } from "../backend.js";
import { fastAttentionKernel } from "./attention-fast.js";
import { fastBiasActKernel, fastContiguousKernel, fastElementwiseKernels } from "./elementwise-fast.js";
import { fastConcatKernel, fastScatterSliceKernel } from "./shape-fast.js";
import { referenceKernels } from "./reference-kernels.js";
import { fastSumKernel } from "./reduce-fast.js";
import { fastGroupNormKernel, fastLayerNormKernel } from "./norm-fast.js";
import { fastNormGradKernel } from "./norm-grad-fast.js";
import { fastSoftmaxKernel } from "./softmax-fast.js";
import { fastFoldKernel, fastUnfoldKernel } from "./window-fast.js";
import { allocOutput } from "./host-pool.js";
import { fastConv2dKernel } from "./conv-fast.js";
import { CpuStorage, dataOf } from "./storage.js";
import { matmulF32 } from "./wasm/index.js";

/** float32 matmul on the WebAssembly SIMD GEMM (threads where available); other dtypes use the reference. */
function fastMatmul(inputs: readonly TensorView[], attrs: Record<string, never>, out: OutputInfo): CpuStorage {
  const [a, b] = inputs as [TensorView, TensorView];
  if (out.dtype !== "float32") return referenceKernels.matmul(inputs, attrs, out) as CpuStorage;
  const r = out.shape.length;
  const m = out.shape[r - 2]!, n = out.shape[r - 1]!, k = a.shape[r - 1]!;
  const batchShape = out.shape.slice(0, r - 2);
  const res = allocOutput("float32", out.shape.reduce((x, y) => x * y, 1), false) as Float32Array;
  matmulF32(
    { data: dataOf(a) as Float32Array, offset: a.offset, rowStride: a.strides[r - 2]!, colStride: a.strides[r - 1]!, batchStrides: a.strides.slice(0, r - 2) },
    { data: dataOf(b) as Float32Array, offset: b.offset, rowStride: b.strides[r - 2]!, colStride: b.strides[r - 1]!, batchStrides: b.strides.slice(0, r - 2) },
    res,
    m,
    n,
    k,
    { batchShape },
  );
  return new CpuStorage(res);
}

/**
 * The CPU kernel table with the fast kernels (WebAssembly SIMD, or JavaScript loops without per-element
 * index tables) in place of the reference ones where they exist.
 */
export const fastKernels: KernelTable = {
  ...referenceKernels,
  ...fastElementwiseKernels(),
  contiguous: fastContiguousKernel,
  matmul: fastMatmul,
  softmax: fastSoftmaxKernel,
  unfold: fastUnfoldKernel,
  fold: fastFoldKernel,
  conv2d: fastConv2dKernel,
  scatterSlice: fastScatterSliceKernel,
  sum: fastSumKernel,
  concat: fastConcatKernel,
  attention: fastAttentionKernel(),
  layerNorm: fastLayerNormKernel,
  groupNorm: fastGroupNormKernel,
  biasAct: fastBiasActKernel,
  normGrad: fastNormGradKernel,
};
