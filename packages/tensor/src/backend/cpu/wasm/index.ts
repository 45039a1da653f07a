/**
 * Fast CPU kernels: WebAssembly SIMD code emitted at run time by a small assembler, run on a pool of
 * workers sharing one memory. Every function is synchronous and takes plain typed arrays.
 */
export { matmulF32, type StridedMatrix, type MatmulF32Options } from "./matmul.js";
export { softmaxRowsF32, type SoftmaxRowsOptions } from "./softmax.js";
export { setCpuThreads, getCpuThreads } from "./threads.js";
export { wasmFeatures, type WasmFeatures } from "./features.js";
export { defaultGemmBlocking, type GemmBlocking } from "./gemm-kernel.js";
export { allocF32, cpuKernelInfo, freeF32, startCpuThreads, stopCpuThreads, type CpuKernelInfo } from "./info.js";
