/**
 * The kernel runtime: one compiled module, one memory (shared when threads are possible), an instance on
 * the calling thread, a worker pool, and the byte layout of the memory: resident arrays (`allocF32`) from
 * the bottom, and above them, per call, the threads' packing scratch and the copied operands.
 */
import { canBlock, isNode } from "./env.js";
import { Heap } from "./heap.js";
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
  private scratchBase = 0;
  private heap: Float32Array;
  private readonly resident = new Heap(64);
  private readonly residentBuffers = new WeakSet<ArrayBufferLike>();
  /**
   * Jobs run so far, how many of them used more than one thread, and the bytes of operands the kernel
   * wrappers copied into the memory and results they copied out (arrays not resident in the memory), and
   * how many GEMMs packed B once for all their threads' row chunks.
   */
  readonly stats = { jobs: 0, parallelJobs: 0, copiedInBytes: 0, copiedOutBytes: 0, sharedPackings: 0 };

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

  /** Byte address of the shared work counter of chunked kernels (below the resident arrays). */
  readonly counterAddress = 0;

  /** Zeroes the work counter before a chunked job. */
  resetCounter(): void {
    Atomics.store(new Int32Array(this.memory.buffer, this.counterAddress, 1), 0, 0);
  }

  /** Byte address of thread `t`'s scratch (valid after `layout`). */
  scratch(t: number): number {
    return this.scratchBase + t * this.scratchBytes;
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  /**
   * Places scratch for `threads` threads above the resident arrays, followed by regions of the given byte
   * sizes (each 64-byte aligned); returns the regions' addresses, or undefined when they cannot fit.
   * Valid until the next call.
   */
  layout(threads: number, sizes: readonly number[]): number[] | undefined {
    this.scratchBase = align(this.resident.top, 64);
    let at = this.scratchBase + threads * this.scratchBytes;
    const out: number[] = [];
    for (const s of sizes) {
      out.push(at);
      at = align(at + s, 64);
    }
    if (at > this.maximumBytes) return undefined;
    this.ensure(at);
    return out;
  }

  /**
   * A Float32Array living in the kernel memory: kernels read and write it in place, without copies. Only
   * with shared memory (where growing never detaches views); otherwise an ordinary array.
   */
  allocF32(n: number): Float32Array {
    if (!this.shared) return new Float32Array(n);
    const arr = this.tryAllocF32(n);
    if (!arr) throw new RangeError(`allocF32: ${n} floats do not fit in WebAssembly memory`);
    return arr;
  }

  /**
   * A resident Float32Array of `n` elements whose end stays below byte `limit` of the memory, or undefined
   * when the memory is not shared (growing a non-shared memory detaches every view of it, so nothing is
   * handed out there), the block would end above `limit`, or the memory cannot grow. The contents are
   * whatever the block held before (zero only when fresh). Free it with `freeF32`; an array that is
   * garbage collected without that frees its block then.
   */
  tryAllocF32(n: number, limit = this.maximumBytes): Float32Array | undefined {
    if (!this.shared) return undefined;
    const bytes = n * 4;
    const at = this.resident.alloc(bytes);
    try {
      if (at + bytes > Math.min(limit, this.maximumBytes)) throw new RangeError("over the limit");
      this.ensure(at + bytes);
    } catch {
      this.resident.free(at);
      return undefined;
    }
    const buf = this.memory.buffer;
    this.residentBuffers.add(buf);
    const arr = new Float32Array(buf, at, n);
    this.collected?.register(arr, at, arr);
    return arr;
  }

  /** Releases an array from `allocF32` or `tryAllocF32` (ordinary arrays are ignored). */
  freeF32(arr: Float32Array): void {
    if (!this.residentBuffers.has(arr.buffer)) return;
    this.collected?.unregister(arr);
    this.resident.free(arr.byteOffset);
  }

  /** Bytes of the memory held by resident arrays. */
  get residentBytes(): number {
    return this.resident.liveBytes;
  }

  /**
   * Frees the block of a resident array collected without `freeF32` (no view of it is left, so nothing can
   * read the block any more). Never throws: it runs outside any caller.
   */
  private readonly collected =
    typeof FinalizationRegistry === "function"
      ? new FinalizationRegistry<number>((at) => {
          try {
            this.resident.free(at);
          } catch {
            // already free: nothing to do
          }
        })
      : undefined;

  /** Byte address of `arr[0]` if the array lives in the kernel memory, else undefined. */
  addressOf(arr: Float32Array): number | undefined {
    return this.residentBuffers.has(arr.buffer) ? arr.byteOffset : undefined;
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
    if (n <= 1 || !this.shared || !canBlock()) return 1;
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
