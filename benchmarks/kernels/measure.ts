/**
 * Timing of one prepared case: warm-up (compilation), then repeats of a batch of runs followed by one
 * sync, so that GPU readback latency is spread over the batch; the result is the median per-run time.
 * When the case has a GPU timer (timestamp queries), each timed repeat is also timed on the GPU: the
 * timer brackets the batch and is read after the wall-clock time is taken, so it does not add to it.
 */
import type { PreparedCase } from "./contender.js";

/** How long to measure. */
export interface MeasureOptions {
  /** Time to spend on the timed repeats of one case, in ms. */
  readonly budgetMs: number;
  /** Fewest timed repeats (unless a single run exceeds `slowMs`). */
  readonly minRepeats: number;
  /** Most timed repeats. */
  readonly maxRepeats: number;
  /** A run slower than this is timed once more and no further. */
  readonly slowMs: number;
  /** Each repeat batches runs until it lasts about this long (GPU work), at most 64 runs. */
  readonly repeatMs: number;
}

/** Per-run time of a case. */
export interface Measurement {
  /** Median ms per run. */
  readonly ms: number;
  /** Timed repeats. */
  readonly repeats: number;
  /** Runs per repeat. */
  readonly batch: number;
  /** ms of the first (compiling) run. */
  readonly firstMs: number;
  /** Median GPU ms per run from timestamp queries (summed compute-pass durations); null without a GPU timer. */
  readonly gpuMs: number | null;
}

/** Defaults of a full run; `--quick` shortens them. */
export const FULL: MeasureOptions = { budgetMs: 1500, minRepeats: 3, maxRepeats: 15, slowMs: 4000, repeatMs: 25 };
/** Options of a `--quick` run. */
export const QUICK: MeasureOptions = { budgetMs: 300, minRepeats: 3, maxRepeats: 7, slowMs: 1500, repeatMs: 10 };

async function timed(p: PreparedCase, runs: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) p.run();
  await p.sync();
  return performance.now() - t0;
}

/** Like `timed`, also timing the batch on the GPU when the case can: [wall ms, GPU ms or null]. */
async function timedWithGpu(p: PreparedCase, runs: number): Promise<[number, number | null]> {
  const timer = p.gpuTimer?.() ?? null;
  if (!timer) return [await timed(p, runs), null];
  let ms: number;
  try {
    ms = await timed(p, runs);
  } catch (e) {
    await timer.stop().catch(() => undefined);
    throw e;
  }
  return [ms, (await timer.stop()) / 1e6];
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Measures `p`: see the module comment. */
export async function measure(p: PreparedCase, o: MeasureOptions): Promise<Measurement> {
  const firstMs = await timed(p, 1);
  const [single, singleGpu] = await timedWithGpu(p, 1);
  if (single > o.slowMs) return { ms: single, repeats: 1, batch: 1, firstMs, gpuMs: singleGpu };
  const batch = Math.max(1, Math.min(64, Math.floor(o.repeatMs / Math.max(single, 1e-3))));
  const repeats = Math.max(o.minRepeats, Math.min(o.maxRepeats, Math.floor(o.budgetMs / (single * batch))));
  const times: number[] = [];
  const gpuTimes: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const [ms, gpuMs] = await timedWithGpu(p, batch);
    times.push(ms / batch);
    if (gpuMs !== null) gpuTimes.push(gpuMs / batch);
  }
  return { ms: median(times), repeats, batch, firstMs, gpuMs: gpuTimes.length === repeats ? median(gpuTimes) : null };
}
