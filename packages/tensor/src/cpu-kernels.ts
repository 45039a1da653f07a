/**
 * @diva/tensor/cpu-kernels: the WebAssembly SIMD kernels under the CPU backend, for benchmarks and
 * introspection. `matmulF32` times the GEMM alone (no tensors, no autograd), `allocF32`/`freeF32` place its
 * operands in the kernels' memory (no copies in or out), and `cpuKernelInfo` reports what the kernels run with
 * on this host (SIMD, relaxed SIMD, shared memory, threads, GEMM tile) and how many jobs they have run. Tensor
 * programs do not need this entry: the CPU backend of `@diva/tensor` uses the same kernels (and the same
 * runtime, so the counts include its work).
 *
 * @example
 * ```ts
 * import { allocF32, cpuKernelInfo, freeF32, matmulF32 } from "@diva/tensor/cpu-kernels";
 * const n = 256;
 * const a = allocF32(n * n), b = allocF32(n * n), c = allocF32(n * n);
 * matmulF32({ data: a, offset: 0, rowStride: n, colStride: 1 }, { data: b, offset: 0, rowStride: n, colStride: 1 }, c, n, n, n);
 * console.log(cpuKernelInfo().tile, cpuKernelInfo().jobs);
 * for (const x of [a, b, c]) freeF32(x);
 * ```
 * @module @diva/tensor/cpu-kernels
 */
export { matmulF32, type MatmulF32Options, type StridedMatrix } from "./backend/cpu/wasm/matmul.js";
export { allocF32, cpuKernelInfo, freeF32, type CpuKernelInfo } from "./backend/cpu/wasm/info.js";
