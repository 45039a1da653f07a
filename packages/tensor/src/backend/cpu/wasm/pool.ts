/**
 * A pool of workers sharing one WebAssembly memory. `run` is synchronous: the calling thread posts tasks
 * through a shared control block, runs the first task itself, then blocks in `Atomics.wait` until the
 * workers are done. Workers are unref'd, so they never keep a Node process alive.
 */
import {
  ERROR,
  ERROR_TEXT_BYTES,
  GEN,
  MAX_ARGS,
  PENDING,
  SLOT_ARGS,
  SLOT_BASE,
  SLOT_GEN,
  SLOT_KERNEL,
  SLOT_NARGS,
  SLOT_READY,
  SLOT_SIZE,
  controlInts,
} from "./control.js";
import { isNode, nodeWorkerThreads } from "./env.js";
import { workerSource, type WorkerInit } from "./worker-source.js";

/** One kernel call: the index of a task kernel and its i32 arguments. */
export interface Task {
  kernel: number;
  args: readonly number[];
}

interface Handle {
  terminate(): unknown;
}

/** Most workers a pool can hold. */
export const MAX_WORKERS = 255;

/** How long a synchronous start waits for a new worker before giving up on threads (ms). */
const START_TIMEOUT_MS = 15_000;

/** Workers sharing `memory`, each with its own instance of `module`. */
export class WorkerPool {
  private readonly control = new SharedArrayBuffer(controlInts(MAX_WORKERS) * 4);
  private readonly ctrl = new Int32Array(this.control);
  private readonly errorText = new SharedArrayBuffer(ERROR_TEXT_BYTES);
  private readonly workers: Handle[] = [];
  private broken = false;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly kernels: readonly string[],
  ) {}

  /** Workers started and waiting for tasks. */
  get readyCount(): number {
    let n = 0;
    while (n < this.workers.length && Atomics.load(this.ctrl, this.slot(n) + SLOT_READY) === 1) n++;
    return n;
  }

  private slot(w: number): number {
    return SLOT_BASE + w * SLOT_SIZE;
  }

  /**
   * Starts workers until there are `count` (capped at MAX_WORKERS). With `wait`, blocks until they are
   * ready (Node); a worker that does not start in time disables the pool (the caller then runs alone).
   */
  grow(count: number, wait: boolean): void {
    if (this.broken) return;
    count = Math.min(count, MAX_WORKERS);
    const source = workerSource();
    while (this.workers.length < count) {
      const w = this.workers.length;
      const init: WorkerInit = {
        module: this.module,
        memory: this.memory,
        control: this.control,
        errorText: this.errorText,
        kernels: this.kernels,
        slot: this.slot(w),
      };
      try {
        this.workers.push(spawn(source, init));
      } catch {
        this.broken = true;
        return;
      }
    }
    if (!wait) return;
    for (let w = 0; w < count; w++) {
      const idx = this.slot(w) + SLOT_READY;
      if (Atomics.load(this.ctrl, idx) === 1) continue;
      Atomics.wait(this.ctrl, idx, 0, START_TIMEOUT_MS);
      if (Atomics.load(this.ctrl, idx) !== 1) {
        this.broken = true;
        this.dispose();
        return;
      }
    }
  }

  /** Resolves once the started workers are ready (for hosts whose thread may not block). */
  async whenReady(timeoutMs = START_TIMEOUT_MS): Promise<void> {
    const t0 = Date.now();
    while (this.readyCount < this.workers.length && !this.broken) {
      if (Date.now() - t0 > timeoutMs) {
        this.broken = true;
        return;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Stops every worker. */
  dispose(): void {
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
    this.ctrl.fill(0);
  }

  /** Whether the pool failed to start workers (then it runs nothing). */
  get failed(): boolean {
    return this.broken;
  }

  /**
   * Runs `tasks[0]` on the calling thread (through `runHere`) and `tasks[1..]` on ready workers 0.., then
   * waits for all of them. Needs `tasks.length - 1 <= readyCount` and a thread that may block.
   */
  run(tasks: readonly Task[], runHere: (t: Task) => void): void {
    const ctrl = this.ctrl;
    const remote = tasks.length - 1;
    if (remote > this.readyCount) throw new Error(`WorkerPool.run: ${remote} tasks for ${this.readyCount} ready workers`);
    const gen = (Atomics.load(ctrl, GEN) + 1) | 0;
    Atomics.store(ctrl, ERROR, 0);
    Atomics.store(ctrl, PENDING, remote);
    for (let w = 0; w < remote; w++) {
      const t = tasks[w + 1]!;
      if (t.args.length > MAX_ARGS) throw new Error(`task with ${t.args.length} arguments (max ${MAX_ARGS})`);
      const s = this.slot(w);
      ctrl[s + SLOT_KERNEL] = t.kernel;
      ctrl[s + SLOT_NARGS] = t.args.length;
      for (let i = 0; i < t.args.length; i++) ctrl[s + SLOT_ARGS + i] = t.args[i]!;
      Atomics.store(ctrl, s + SLOT_GEN, gen);
    }
    Atomics.store(ctrl, GEN, gen);
    Atomics.notify(ctrl, GEN);
    let localError: unknown;
    try {
      runHere(tasks[0]!);
    } catch (e) {
      localError = e;
    }
    for (;;) {
      const p = Atomics.load(ctrl, PENDING);
      if (p === 0) break;
      Atomics.wait(ctrl, PENDING, p);
    }
    if (localError !== undefined) throw localError;
    if (Atomics.load(ctrl, ERROR) !== 0) {
      const bytes = new Uint8Array(this.errorText).slice();
      const end = bytes.indexOf(0);
      throw new Error(`wasm kernel failed in a worker: ${new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end))}`);
    }
  }
}

function spawn(source: string, init: WorkerInit): Handle {
  if (isNode) {
    if (!nodeWorkerThreads) throw new Error("node:worker_threads unavailable");
    const w = new nodeWorkerThreads.Worker(source, { eval: true, workerData: init });
    w.unref();
    w.on("error", () => undefined);
    return w;
  }
  const g = globalThis as unknown as { Worker?: new (url: string) => Worker };
  if (typeof g.Worker !== "function" || typeof Blob !== "function" || typeof URL.createObjectURL !== "function") {
    throw new Error("Web Workers unavailable");
  }
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const w = new g.Worker(url);
  w.postMessage(init);
  return w;
}
