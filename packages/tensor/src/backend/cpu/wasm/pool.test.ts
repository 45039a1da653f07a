import { describe, expect, it } from "vitest";
import { kernelRuntime } from "./runtime.js";
import { taskKernels } from "./kernel-module.js";
import { WorkerPool, type PoolOptions, type Task } from "./pool.js";
import { rng } from "../../../../test/support/wasm-kernels.js";

const rt = kernelRuntime()!;
const threaded = rt.shared;
if (!threaded) console.log("worker pool tests skipped: this host has no shared WebAssembly memory, so no workers");

/** Sleeps this thread (tests run in a Node worker/fork that may block). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A pool of `workers` ready workers over the runtime's memory, with options. */
function pool(workers: number, options: PoolOptions = {}): WorkerPool {
  const p = new WorkerPool(rt.module, rt.memory, taskKernels, options);
  p.grow(workers, true);
  if (p.readyCount !== workers) throw new Error(`only ${p.readyCount} of ${workers} workers started: ${p.failure}`);
  return p;
}

const softmax = rt.kernel("softmaxRows");
const here = (t: Task): void => {
  // The calling thread's share, through the runtime's own instance of the same module.
  rt.run([t]);
};

/**
 * Fills `rows` rows of `cols` floats at byte address `at` with random values in [0, 4), runs in-place softmax
 * on them as a task, and returns a check that the rows hold softmax(x) exactly once: a second run would
 * give softmax(softmax(x)), whose ratios are far from exp(x_i - x_0).
 */
function softmaxTask(at: number, rows: number, cols: number, rand: () => number): { task: Task; check: () => string | undefined } {
  const heap = rt.f32();
  const x = new Float64Array(rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = (rand() + 1) * 2;
  for (let i = 0; i < x.length; i++) heap[(at >> 2) + i] = x[i]!;
  const xf = Float32Array.from(x);
  return {
    task: { kernel: softmax, args: [at, at, rows, cols] },
    check: () => {
      const y = rt.f32();
      for (let r = 0; r < rows; r++) {
        const b = (at >> 2) + r * cols;
        let sum = 0;
        for (let j = 0; j < cols; j++) sum += y[b + j]!;
        if (Math.abs(sum - 1) > 1e-4) return `row ${r} sums to ${sum}`;
        for (let j = 1; j < cols; j++) {
          const want = Math.exp(xf[r * cols + j]! - xf[r * cols]!);
          const got = y[b + j]! / y[b]!;
          if (Math.abs(got - want) > 1e-3 * want) return `row ${r} col ${j}: ratio ${got}, want ${want} (ran twice?)`;
        }
      }
      return undefined;
    },
  };
}

describe.runIf(threaded)("worker pool", () => {
  it("reports a trap in a worker as an error and keeps working afterwards", () => {
    if (rt.threads(2) < 2) return; // single-threaded host: nothing to test
    const [x] = rt.layout(2, [4 * 64])!;
    const heap = rt.f32();
    heap.fill(1, x! >> 2, (x! >> 2) + 64);
    const kernel = rt.kernel("softmaxRows");
    const good = { kernel, args: [x!, x!, 4, 16] };
    const bad = { kernel, args: [rt.maximumBytes - 8, rt.maximumBytes - 8, 4, 16] };
    expect(() => rt.run([good, bad])).toThrow(/worker.*(out of bounds|memory)/is);
    heap.fill(1, x! >> 2, (x! >> 2) + 64);
    rt.run([good, { kernel, args: [x! + 128, x! + 128, 2, 16] }]);
    expect(rt.f32()[(x! >> 2) + 63]).toBeCloseTo(1 / 16, 6);
  });

  it("runs a task once even when a late notify wakes the worker after it finished", () => {
    const p = pool(2, { hooks: { afterJob: () => { p.wakeAllForTest(); sleep(150); } } });
    try {
      const rand = rng(7);
      for (let job = 0; job < 5; job++) {
        const [a, b, c] = rt.layout(1, [8 * 32 * 4, 8 * 32 * 4, 8 * 32 * 4])!;
        const t = [softmaxTask(a!, 8, 32, rand), softmaxTask(b!, 8, 32, rand), softmaxTask(c!, 8, 32, rand)];
        p.run(t.map((s) => s.task), here);
        // The hook woke every worker and gave a duplicate run time to happen before these checks.
        for (const s of t) expect(s.check()).toBeUndefined();
        expect(p.describeState()).toMatch(/worker tasks pending 0,/);
      }
    } finally {
      p.dispose();
    }
  });

  it("fails with the pool state instead of waiting forever for a worker", () => {
    // A worker share far longer than the 1 ms limit: 16M floats of in-place softmax.
    const p = pool(1, { timeoutMs: 1 });
    const rows = 4096, cols = 4096;
    const [small, big] = rt.layout(1, [64, rows * cols * 4])!;
    let error: unknown;
    try {
      p.run([{ kernel: softmax, args: [small!, small!, 1, 16] }, { kernel: softmax, args: [big!, big!, rows, cols] }], here);
    } catch (e) {
      error = e;
    }
    expect(String(error)).toMatch(/1 of 1 worker tasks did not finish within 1 ms/);
    expect(String(error)).toMatch(/DIVA_POOL_TIMEOUT_MS/);
    expect(String(error)).toMatch(/worker 0: ready 1, posted generation 1, started/);
    expect(p.failed).toBe(true);
    expect(() => p.run([{ kernel: softmax, args: [small!, small!, 1, 16] }], here)).toThrow(/pool is stopped.*did not finish/);
  });

  it("survives thousands of jobs with random sizes, delays and failing tasks, running each task once", () => {
    const rand = rng(2026);
    const spin = (): void => {
      const until = performance.now() + Math.abs(rand()) * 0.2;
      while (performance.now() < until);
    };
    const p = pool(3, { hooks: { afterPost: () => (rand() < 0.3 ? spin() : undefined), afterJob: () => (rand() < 0.1 ? p.wakeAllForTest() : undefined) } });
    let failures = 0;
    try {
      for (let job = 0; job < 3000; job++) {
        const n = 1 + Math.floor(Math.abs(rand()) * 4);
        const shapes = Array.from({ length: n }, () => [1 + Math.floor(Math.abs(rand()) * 6), 4 + Math.floor(Math.abs(rand()) * 40)] as const);
        const at = rt.layout(1, shapes.map(([r, c]) => r * c * 4))!;
        const tasks = shapes.map(([r, c], i) => softmaxTask(at[i]!, r, c, rand));
        const badAt = rand() < 0.05 ? Math.floor(Math.abs(rand()) * n) : -1;
        const posted = tasks.map((t, i) => (i === badAt ? { kernel: softmax, args: [rt.maximumBytes - 8, rt.maximumBytes - 8, 4, 16] } : t.task));
        if (rand() < 0.2) spin();
        if (badAt >= 0) {
          expect(() => p.run(posted, here), `job ${job}`).toThrow(/out of bounds|memory/i);
          failures++;
        } else {
          p.run(posted, here);
        }
        tasks.forEach((t, i) => {
          if (i !== badAt) expect(t.check(), `job ${job} task ${i}`).toBeUndefined();
        });
      }
    } finally {
      p.dispose();
    }
    expect(failures).toBeGreaterThan(50);
    expect(p.failed).toBe(false);
  });
});
