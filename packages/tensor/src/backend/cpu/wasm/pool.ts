/**
 * A pool of workers sharing one WebAssembly memory. `run` is synchronous: the calling thread posts tasks
 * through a shared control block, runs the first task itself, then blocks in `Atomics.wait` until the
 * workers are done. Workers are unref'd, so they never keep a Node process alive.
 *
 * Every task runs exactly once: each worker waits on its own slot and runs only a generation it has not run
 * yet (worker-source.ts). Every wait is bounded: a job whose workers do not finish within the pool's
 * timeout fails with an error that prints the pool's state, and the pool stops (the caller then runs alone).
 */
import {
  ERROR,
  ERROR_TEXT_BYTES,
  GEN,
  MAX_ARGS,
  PENDING,
  SLOT_ARGS,
  SLOT_BASE,
  SLOT_DONE,
  SLOT_GEN,
  SLOT_KERNEL,
  SLOT_NARGS,
  SLOT_READY,
  SLOT_SIZE,
  SLOT_STARTED,
  controlInts,
} from "./control.js";
import { envVar, isNode, nodeWorkerThreads } from "./env.js";
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

/**
 * How long `run` waits for the workers of one job before it declares the pool stuck (ms): generous, since a
 * task is a share of one op, which takes well under a minute even for full-size models on a loaded machine.
 * `DIVA_POOL_TIMEOUT_MS` in the environment overrides it.
 */
const DEFAULT_POOL_TIMEOUT_MS = 300_000;

/** Longest single `Atomics.wait` of the calling thread, so the deadline is checked often (ms). */
const WAIT_SLICE_MS = 1000;

/** Test-only hooks into `run`, to force interleavings that are otherwise rare. */
interface PoolHooks {
  /** Called after the tasks are posted and before the workers are notified. */
  afterPost?: () => void;
  /** Called after every worker task finished, before `run` checks errors and returns. */
  afterJob?: () => void;
}

/** Options of a pool. */
export interface PoolOptions {
  /** Bound on the wait for one job's worker tasks (ms); default `DIVA_POOL_TIMEOUT_MS` or 300 s. */
  timeoutMs?: number;
  /** Test-only hooks. */
  hooks?: PoolHooks;
}

/** The pool timeout from `DIVA_POOL_TIMEOUT_MS`, or the default. */
function poolTimeoutFromEnv(): number {
  const raw = envVar("DIVA_POOL_TIMEOUT_MS");
  if (raw === undefined || raw.trim() === "") return DEFAULT_POOL_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`DIVA_POOL_TIMEOUT_MS must be a positive number of milliseconds, got "${raw}"`);
  return n;
}

/** Workers sharing `memory`, each with its own instance of `module`. */
export class WorkerPool {
  private readonly control = new SharedArrayBuffer(controlInts(MAX_WORKERS) * 4);
  private readonly ctrl = new Int32Array(this.control);
  private readonly errorText = new SharedArrayBuffer(ERROR_TEXT_BYTES);
  private readonly workers: Handle[] = [];
  private readonly timeoutMs: number;
  private readonly hooks: PoolHooks;
  private broken = false;
  private reason: string | undefined;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly kernels: readonly string[],
    options: PoolOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? poolTimeoutFromEnv();
    this.hooks = options.hooks ?? {};
  }

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
      } catch (e) {
        this.stop(`a worker could not be started: ${String(e)}`);
        return;
      }
    }
    if (!wait) return;
    for (let w = 0; w < count; w++) {
      const idx = this.slot(w) + SLOT_READY;
      if (Atomics.load(this.ctrl, idx) === 1) continue;
      Atomics.wait(this.ctrl, idx, 0, START_TIMEOUT_MS);
      if (Atomics.load(this.ctrl, idx) !== 1) {
        this.stop(`worker ${w} was not ready after ${START_TIMEOUT_MS} ms`);
        return;
      }
    }
  }

  /** Resolves once the started workers are ready (for hosts whose thread may not block). */
  async whenReady(timeoutMs = START_TIMEOUT_MS): Promise<void> {
    const t0 = Date.now();
    while (this.readyCount < this.workers.length && !this.broken) {
      if (Date.now() - t0 > timeoutMs) {
        this.stop(`workers were not ready after ${timeoutMs} ms`);
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

  /** Marks the pool unusable (with the reason) and stops its workers. */
  private stop(reason: string): void {
    this.broken = true;
    this.reason = reason;
    this.dispose();
  }

  /** Whether the pool failed to start workers or timed out (then it runs nothing). */
  get failed(): boolean {
    return this.broken;
  }

  /** Why the pool stopped, if it did. */
  get failure(): string | undefined {
    return this.reason;
  }

  /** The control block in words, for error messages: job generation, pending tasks, each worker's slot. */
  describeState(): string {
    const c = this.ctrl;
    const lines = [`job generation ${Atomics.load(c, GEN)}, worker tasks pending ${Atomics.load(c, PENDING)}, error flag ${Atomics.load(c, ERROR)}`];
    for (let w = 0; w < this.workers.length; w++) {
      const s = this.slot(w);
      lines.push(
        `worker ${w}: ready ${Atomics.load(c, s + SLOT_READY)}, posted generation ${Atomics.load(c, s + SLOT_GEN)}, ` +
          `started ${Atomics.load(c, s + SLOT_STARTED)}, finished ${Atomics.load(c, s + SLOT_DONE)}, kernel ${this.kernels[c[s + SLOT_KERNEL]!] ?? c[s + SLOT_KERNEL]}`,
      );
    }
    return lines.join("\n");
  }

  /**
   * Wakes every worker as a late or spurious notify would (test-only): a correct worker re-reads its slot,
   * finds nothing new, and waits again.
   */
  wakeAllForTest(): void {
    Atomics.notify(this.ctrl, GEN);
    for (let w = 0; w < this.workers.length; w++) Atomics.notify(this.ctrl, this.slot(w) + SLOT_GEN);
  }

  /**
   * Runs `tasks[0]` on the calling thread (through `runHere`) and `tasks[1..]` on ready workers 0.., then
   * waits for all of them. Needs `tasks.length - 1 <= readyCount` and a thread that may block.
   */
  run(tasks: readonly Task[], runHere: (t: Task) => void): void {
    if (this.broken) throw new Error(`WorkerPool.run: the pool is stopped (${this.reason ?? "disposed"})`);
    const ctrl = this.ctrl;
    const remote = tasks.length - 1;
    if (remote > this.readyCount) throw new Error(`WorkerPool.run: ${remote} tasks for ${this.readyCount} ready workers`);
    for (const t of tasks) {
      if (t.args.length > MAX_ARGS) throw new Error(`WorkerPool.run: a task with ${t.args.length} arguments (max ${MAX_ARGS})`);
    }
    const gen = (Atomics.load(ctrl, GEN) + 1) | 0;
    Atomics.store(ctrl, ERROR, 0);
    Atomics.store(ctrl, PENDING, remote);
    for (let w = 0; w < remote; w++) {
      const t = tasks[w + 1]!;
      const s = this.slot(w);
      ctrl[s + SLOT_KERNEL] = t.kernel;
      ctrl[s + SLOT_NARGS] = t.args.length;
      for (let i = 0; i < t.args.length; i++) ctrl[s + SLOT_ARGS + i] = t.args[i]!;
      // The store publishes the task (the plain writes above become visible with it).
      Atomics.store(ctrl, s + SLOT_GEN, gen);
    }
    Atomics.store(ctrl, GEN, gen);
    this.hooks.afterPost?.();
    for (let w = 0; w < remote; w++) Atomics.notify(ctrl, this.slot(w) + SLOT_GEN, 1);
    let localError: unknown;
    try {
      runHere(tasks[0]!);
    } catch (e) {
      localError = e;
    }
    this.waitForWorkers(remote);
    this.hooks.afterJob?.();
    if (localError !== undefined) throw localError;
    if (Atomics.load(ctrl, ERROR) !== 0) {
      const bytes = new Uint8Array(this.errorText).slice();
      const end = bytes.indexOf(0);
      throw new Error(`wasm kernel failed in a worker: ${new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end))}`);
    }
  }

  /** Blocks until the job's worker tasks are done, at most `timeoutMs`; a broken protocol or timeout throws. */
  private waitForWorkers(remote: number): void {
    const ctrl = this.ctrl;
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const p = Atomics.load(ctrl, PENDING);
      if (p === 0) return;
      if (p < 0 || p > remote) this.fail(`the count of pending worker tasks is ${p} (expected 0..${remote}): a task ran more than once`);
      const left = deadline - Date.now();
      if (left <= 0) {
        this.fail(
          `${p} of ${remote} worker tasks did not finish within ${this.timeoutMs} ms ` +
            `(raise DIVA_POOL_TIMEOUT_MS if a single op legitimately takes longer, or set DIVA_THREADS=1 to run without workers)`,
        );
      }
      Atomics.wait(ctrl, PENDING, p, Math.min(left, WAIT_SLICE_MS));
    }
  }

  /** Stops the pool and throws an error that carries its state. */
  private fail(what: string): never {
    const state = this.describeState();
    this.stop(what);
    throw new Error(`CPU worker pool: ${what}; the pool is stopped and later kernels run on the calling thread.\npool state:\n${state}`);
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
