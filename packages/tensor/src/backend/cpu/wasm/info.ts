/**
 * Introspection and thread lifecycle for the WebAssembly kernels.
 */
import { kernelRuntime } from "./runtime.js";
import { getCpuThreads } from "./threads.js";
import { canBlock } from "./env.js";

/** What the kernels run with on this host. */
export interface CpuKernelInfo {
  /** Whether the WebAssembly SIMD kernels are in use (else plain JavaScript fallbacks). */
  wasm: boolean;
  /** Whether the GEMM uses relaxed-SIMD fused multiply-add. */
  relaxedSimd: boolean;
  /** Whether memory is shared (threads possible). */
  sharedMemory: boolean;
  /** Whether this thread may block waiting for workers (false on a browser's main thread). */
  canBlock: boolean;
  /** Threads requested (`setCpuThreads`, `DIVA_THREADS` or all cores). */
  requestedThreads: number;
  /** Register tile of the GEMM micro-kernel. */
  tile: string;
  /** Kernel jobs run so far in this thread's runtime. */
  jobs: number;
  /** Of those, jobs split over more than one thread. */
  parallelJobs: number;
  /** Bytes of operands copied into the kernel memory so far (arrays that did not live there). */
  copiedInBytes: number;
  /** Bytes of results copied out of the kernel memory so far (outputs that did not live there). */
  copiedOutBytes: number;
  /** GEMMs cut into row chunks over threads that packed B once for all chunks (instead of once per chunk). */
  sharedPackings: number;
}

/** Describes the kernel setup (builds the runtime on first call). */
export function cpuKernelInfo(): CpuKernelInfo {
  const rt = kernelRuntime();
  return {
    wasm: rt !== undefined,
    relaxedSimd: rt?.relaxed ?? false,
    sharedMemory: rt?.shared ?? false,
    canBlock: canBlock(),
    requestedThreads: getCpuThreads(),
    tile: rt ? `${rt.blocking.mr}x${rt.blocking.nr}` : "none",
    jobs: rt?.stats.jobs ?? 0,
    parallelJobs: rt?.stats.parallelJobs ?? 0,
    copiedInBytes: rt?.stats.copiedInBytes ?? 0,
    copiedOutBytes: rt?.stats.copiedOutBytes ?? 0,
    sharedPackings: rt?.stats.sharedPackings ?? 0,
  };
}

/**
 * Starts the worker threads ahead of use and resolves with the number of threads available (the caller
 * included; 1 where this thread may not block, such as a browser's main thread). Optional in Node
 * (workers start on first use); in a browser worker, await it before synchronous kernels so the workers
 * are running when needed.
 */
export async function startCpuThreads(n = getCpuThreads()): Promise<number> {
  const rt = kernelRuntime();
  return rt ? rt.startThreads(n) : 1;
}

/**
 * A Float32Array inside the kernels' shared memory: `matmulF32` and `softmaxRowsF32` read and write such
 * arrays in place, skipping the copies in and out. Free it with `freeF32`. Where memory cannot be shared
 * (or WebAssembly SIMD is missing) this is an ordinary array.
 */
export function allocF32(n: number): Float32Array {
  const rt = kernelRuntime();
  return rt ? rt.allocF32(n) : new Float32Array(n);
}

/** Releases an array from `allocF32` (ordinary arrays are ignored). Pass the array itself, not a subarray. */
export function freeF32(arr: Float32Array): void {
  kernelRuntime()?.freeF32(arr);
}
