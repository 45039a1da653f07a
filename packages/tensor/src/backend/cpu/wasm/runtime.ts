/**
 * The kernel runtime: one compiled module, one memory (shared when threads are possible), an instance on
 * the calling thread, a worker pool, and the byte layout of the memory (per-thread scratch, then data).
 */
import { canBlock, isNode } from "./env.js";
import { wasmFeatures } from "./features.js";
import { defaultGemmBlocking, gemmScratchBytes, type GemmBlocking } from "./gemm-kernel.js";
import { buildKernelModule, taskKernels, type TaskKernel } from "./kernel-module.js";
import { MAX_WORKERS, WorkerPool, type Task } from "./pool.js";
import { getCpuThreads } from "./threads.js";

const PAGE = 65536;
/** Memory maxima tried in turn (pages): 4 GiB, 2 GiB, 1 GiB, 256 MiB. */
const MAXIMA = [65536, 32768, 16384, 4096];

type KernelFn = (...args: number[]) => void;

/** A compiled, instantiated kernel module with its memory and threads. */
export class KernelRuntime {
  /** Bytes of packing scratch per thread. */
  readonly scratchBytes: number;
  private readonly fns: KernelFn[];
  private pool: WorkerPool | undefined;
  private scratchThreads = 1;
  private heap: Float32Array;
  /** Jobs run so far, and how many of them used more than one thread. */
  readonly stats = { jobs: 0, parallelJobs: 0 };

  private constructor(
    readonly memory: WebAssembly.Memory,
    readonly module: WebAssembly.Module,
    readonly shared: boolean,
    readonly maximumPages: number,
    readonly blocking: GemmBlocking,
    readonly relaxed: boolean,
  ) {
    const inst = new WebAssembly.Instance(module, { env: { memory } });
    this.fns = taskKernels.map((n) => inst.exports[n] as KernelFn);
    this.scratchBytes = align(gemmScratchBytes(blocking), 64);
    this.heap = new Float32Array(memory.buffer);
  }

  /** Builds the runtime, or returns undefined where WebAssembly SIMD is unavailable. */
  static create(blocking: GemmBlocking = defaultGemmBlocking): KernelRuntime | undefined {
    if (typeof WebAssembly !== "object") return undefined;
    const f = wasmFeatures();
    if (!f.simd) return undefined;
    const shared = f.sharedMemory;
    for (const maximum of MAXIMA) {
      let memory: WebAssembly.Memory;
      try {
        memory = new WebAssembly.Memory({ initial: 16, maximum, shared } as WebAssembly.MemoryDescriptor);
      } catch {
        continue;
      }
      const bytes = buildKernelModule({ relaxed: f.relaxedSimd, shared, maximumPages: maximum, blocking });
      const module = new WebAssembly.Module(bytes);
      return new KernelRuntime(memory, module, shared, maximum, blocking, f.relaxedSimd);
    }
    return undefined;
  }

  /** Largest memory the runtime can grow to, in bytes. */
  get maximumBytes(): number {
    return this.maximumPages * PAGE;
  }

  /** A Float32Array over the whole memory (refreshed after growth). */
  f32(): Float32Array {
    if (this.heap.buffer !== this.memory.buffer || this.heap.length * 4 !== this.memory.buffer.byteLength) {
      this.heap = new Float32Array(this.memory.buffer);
    }
    return this.heap;
  }

  /** Byte address of thread `t`'s scratch. */
  scratch(t: number): number {
    return t * this.scratchBytes;
  }

  /**
   * Reserves scratch for `threads` threads followed by regions of the given byte sizes (each 64-byte
   * aligned); returns their addresses, or undefined when they cannot fit in the maximum memory.
   */
  layout(threads: number, sizes: readonly number[]): number[] | undefined {
    this.scratchThreads = Math.max(this.scratchThreads, threads);
    let at = this.scratchThreads * this.scratchBytes;
    const out: number[] = [];
    for (const s of sizes) {
      out.push(at);
      at = align(at + s, 64);
    }
    if (at > this.maximumBytes) return undefined;
    const have = this.memory.buffer.byteLength;
    if (at > have) this.memory.grow(Math.ceil((at - have) / PAGE));
    return out;
  }

  /** Index of a task kernel. */
  kernel(name: TaskKernel): number {
    return taskKernels.indexOf(name);
  }

  /**
   * How many threads a job may use now: the requested count, capped by what this host allows (shared
   * memory, a thread that may block, workers that started).
   */
  threads(requested = getCpuThreads()): number {
    if (requested <= 1 || !this.shared || !canBlock()) return 1;
    const want = Math.min(requested, MAX_WORKERS + 1);
    if (!this.pool) this.pool = new WorkerPool(this.module, this.memory, taskKernels);
    if (this.pool.failed) return 1;
    if (this.pool.readyCount < want - 1) {
      // Node can start workers while this thread blocks; browsers start them in the background.
      this.pool.grow(want - 1, isNode);
    }
    return Math.min(want, 1 + this.pool.readyCount);
  }

  /** Starts `n - 1` workers and resolves when they are ready (browsers: call before synchronous use). */
  async startThreads(n = getCpuThreads()): Promise<number> {
    if (n <= 1 || !this.shared) return 1;
    if (!this.pool) this.pool = new WorkerPool(this.module, this.memory, taskKernels);
    this.pool.grow(Math.min(n, MAX_WORKERS + 1) - 1, false);
    await this.pool.whenReady();
    return this.pool.failed ? 1 : 1 + this.pool.readyCount;
  }

  /** Runs tasks: the first on this thread, the rest on workers (see `threads` for how many may be given). */
  run(tasks: readonly Task[]): void {
    const here = (t: Task): void => this.fns[t.kernel]!(...t.args);
    this.stats.jobs++;
    if (tasks.length > 1) this.stats.parallelJobs++;
    if (tasks.length === 1) here(tasks[0]!);
    else if (tasks.length > 1) this.pool!.run(tasks, here);
  }

  /** Stops the workers (they are unref'd, so this is never needed for a clean exit). */
  stopThreads(): void {
    this.pool?.dispose();
    this.pool = undefined;
  }
}

function align(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

let instance: KernelRuntime | undefined | null = null;

/** The process-wide runtime (built on first use), or undefined where WebAssembly SIMD is unavailable. */
export function kernelRuntime(): KernelRuntime | undefined {
  if (instance === null) instance = KernelRuntime.create();
  return instance;
}
