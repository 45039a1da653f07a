import type { KernelTable, OutputInfo, TensorView } from "../backend.js";
import { referenceKernels } from "./index.js";
import { CpuStorage, dataOf } from "./storage.js";
import { matmulF32 } from "./wasm/index.js";

/** float32 matmul on the WebAssembly SIMD GEMM (threads where available); other dtypes use the reference. */
function fastMatmul(inputs: readonly TensorView[], attrs: Record<string, never>, out: OutputInfo): CpuStorage {
  const [a, b] = inputs as [TensorView, TensorView];
  if (out.dtype !== "float32") return referenceKernels.matmul(inputs, attrs, out) as CpuStorage;
  const r = out.shape.length;
  const m = out.shape[r - 2]!, n = out.shape[r - 1]!, k = a.shape[r - 1]!;
  const batchShape = out.shape.slice(0, r - 2);
  const res = new Float32Array(out.shape.reduce((x, y) => x * y, 1));
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

/** The CPU kernel table with the fast (WebAssembly) kernels in place of the reference ones where they exist. */
export const fastKernels: KernelTable = { ...referenceKernels, matmul: fastMatmul };
