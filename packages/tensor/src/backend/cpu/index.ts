import type { Backend, Kernel, KernelAttrs, KernelTable, Storage } from "../backend.js";
import { allocHost, type DType, type TypedArray } from "../../dtype.js";
import { BINARY, UNARY, type BinaryOpName, type UnaryOpName } from "../../ops/elementwise-table.js";
import { binaryKernel, castKernel, clampKernel, contiguousKernel, fillKernel, unaryKernel, whereKernel } from "./elementwise.js";
import { gatherKernel, indexSelectKernel, concatKernel, scatterAddKernel, scatterSliceKernel } from "./indexing.js";
import { matmulKernel } from "./matmul.js";
import { attentionKernel } from "./attention.js";
import { biasActKernel } from "./bias-act.js";
import { layerNormKernel, groupNormKernel } from "./norm.js";
import { argKernel, reduceKernel } from "./reduce.js";
import { softmaxKernel } from "./softmax.js";
import { recycleHost } from "./host-pool.js";
import { conv2dKernel } from "./conv.js";
import { forgetPackedWeights } from "./packed-weights.js";
import { CpuStorage } from "./storage.js";
import { CpuHalfStorage, decodeHalf, encodeHalf, withHalfKernels } from "./half-storage.js";
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
};

/** Options of `createCpuBackend`. */
export interface CpuBackendOptions {
  /**
   * Give the arrays of freed storages to the pool the fast kernels draw their outputs from (saves the
   * page faults of fresh large arrays; at most 256 MiB is kept). Default false.
   */
  recycle?: boolean;
}

/**
 * Creates a CPU backend over a kernel table (the reference one by default). float16 tensors are stored as
 * half bit patterns and every kernel computes them in float32 (see half-storage.ts).
 */
export function createCpuBackend(kernels: KernelTable = referenceKernels, options: CpuBackendOptions = {}): Backend {
  const recycle = options.recycle ?? false;
  return {
    name: "cpu",
    kernels: withHalfKernels(kernels),
    supports: () => true,
    upload(data: TypedArray, dtype: DType): Storage {
      if (dtype === "float16") return encodeHalf(data as Float32Array);
      const copy = allocHost(dtype, data.length);
      copy.set(data);
      return new CpuStorage(copy);
    },
    readSync(storage: Storage, dtype: DType, offset: number, size: number): TypedArray {
      if (storage instanceof CpuHalfStorage) return decodeHalf(storage, offset, size);
      const src = (storage as CpuStorage).data;
      const out = allocHost(dtype, size);
      out.set(src.subarray(offset, offset + size));
      return out;
    },
    async read(storage: Storage, dtype: DType, offset: number, size: number): Promise<TypedArray> {
      return this.readSync!(storage, dtype, offset, size);
    },
    free(storage: Storage): void {
      // cached derived forms of the storage as a weight (packed-weights.ts) die with it
      forgetPackedWeights(storage);
      // host arrays are garbage collected once no storage references them, unless recycled
      if (recycle && storage instanceof CpuStorage) recycleHost(storage.data);
    },
  };
}
