/**
 * Fast CPU kernels: WebAssembly SIMD code emitted at run time by a small assembler, run on a pool of
 * workers sharing one memory. Every function is synchronous and takes plain typed arrays.
 */
export { matmulF32 } from "./matmul.js";
export { softmaxRowsF32 } from "./softmax.js";
export { setCpuThreads, getCpuThreads } from "./threads.js";
export { allocF32, cpuKernelInfo, freeF32 } from "./info.js";
