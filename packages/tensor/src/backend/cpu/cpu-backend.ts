/** The CPU backend over a kernel table: host storages, uploads and reads, float16 as half bit patterns. */
import type { Backend, KernelTable, Storage } from "../backend.js";
import { allocHost, type DType, type TypedArray } from "../../dtype.js";
import { allocOutput, recycleHost, releaseHost } from "./host-pool.js";
import { forgetPackedWeights } from "./packed-weights.js";
import { referenceKernels } from "./reference-kernels.js";
import { CpuStorage } from "./storage.js";
import { CpuHalfStorage, decodeHalf, encodeHalf, withHalfKernels } from "./half-storage.js";

/** Options of `createCpuBackend`. */
export interface CpuBackendOptions {
  /**
   * Give the arrays of freed storages to the pool the fast kernels draw their outputs from (saves the
   * page faults of fresh large arrays; at most 256 MiB is kept). Default false.
   */
  recycle?: boolean;
  /**
   * Allocate the float32 storages of uploads like the fast kernels' outputs: in the WebAssembly kernel
   * memory where it is shared (host-pool.ts), so the kernels read them in place. Default: `recycle`.
   */
  resident?: boolean;
}

/**
 * Creates a CPU backend over a kernel table (the reference one by default). float16 tensors are stored as
 * half bit patterns and every kernel computes them in float32 (see half-storage.ts).
 */
export function createCpuBackend(kernels: KernelTable = referenceKernels, options: CpuBackendOptions = {}): Backend {
  const recycle = options.recycle ?? false;
  const resident = options.resident ?? recycle;
  return {
    name: "cpu",
    kernels: withHalfKernels(kernels),
    supports: () => true,
    upload(data: TypedArray, dtype: DType): Storage {
      if (dtype === "float16") return encodeHalf(data as Float32Array);
      const copy = resident && dtype === "float32" ? allocOutput(dtype, data.length, false) : allocHost(dtype, data.length);
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
      // host arrays are garbage collected once no storage references them, unless recycled; arrays in
      // the kernel memory give their block back now
      if (storage instanceof CpuStorage) (recycle ? recycleHost : releaseHost)(storage.data);
    },
  };
}
