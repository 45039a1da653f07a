/**
 * Float64-accumulated sums over float32 data that lives in the kernel memory (resident storage), on the
 * WebAssembly SIMD kernels of reduce-kernel.ts with the work split over the threads: per-row sums (and sums
 * of squares) of rows of consecutive floats, and per-column sums of a row-major block. Data outside the
 * kernel memory is not copied in: the functions then return undefined and the caller keeps its own loops.
 */
import { MIN_FLOPS_PER_THREAD } from "./partition.js";
import type { Task } from "./pool.js";
import { kernelRuntime, type KernelRuntime } from "./runtime.js";
import { getCpuThreads } from "./threads.js";

/** Floats per piece when a few long rows are cut so that every thread gets a share. */
const PIECE = 8192;
/** Below this many floats a job stays on the calling thread (the threads' hand-off costs more). */
const MIN_PARALLEL = MIN_FLOPS_PER_THREAD / 4;

/** Per-row sums of x and of x^2, in float64. */
interface RowMoments {
  sum: Float64Array;
  sq: Float64Array;
}

function checkBlock(fn: string, data: Float32Array, offset: number, rowStride: number, rows: number, len: number): void {
  for (const [k, v] of Object.entries({ offset, rowStride, rows, len })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${fn}: ${k} must be a non-negative integer, got ${v}`);
  }
  if (rows > 0 && len > 0 && offset + (rows - 1) * rowStride + len > data.length) {
    throw new RangeError(`${fn}: ${rows} rows of ${len} (stride ${rowStride}) from ${offset} reach past ${data.length} elements`);
  }
}

function threadsFor(rt: KernelRuntime, floats: number, threads: number): number {
  return floats >= MIN_PARALLEL ? rt.threads(threads) : 1;
}

/** [0, total) in at most `parts` near-equal non-empty ranges. */
export function evenRanges(total: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  const p = Math.max(1, Math.min(parts, total));
  for (let i = 0; i < p; i++) {
    const a = Math.floor((total * i) / p), b = Math.floor((total * (i + 1)) / p);
    if (b > a) out.push([a, b]);
  }
  return out;
}

/** One `rowMoments` job; returns a copy of its [rows][sum pair, square pair] doubles. */
function momentsJob(rt: KernelRuntime, t: number, at: number, rowBytes: number, rows: number, len: number, squares: boolean): Float64Array {
  const addrs = rt.layout(t, [rows * 32]);
  if (!addrs) throw new RangeError(`rowMomentsF32: ${rows} rows do not fit in the kernel memory`);
  const out = addrs[0]!;
  const kernel = rt.kernel("rowMoments");
  const tasks: Task[] = evenRanges(rows, t).map(([s, e]) => ({
    kernel,
    args: [at + s * rowBytes, rowBytes, e - s, len, squares ? 1 : 0, out + s * 32],
  }));
  rt.run(tasks);
  return new Float64Array(rt.memory.buffer, out, rows * 4).slice();
}

/**
 * Sums (and, with `squares`, sums of squares) of `rows` rows of `len` consecutive floats, row r starting at
 * data[offset + r rowStride]. Undefined when `data` is not in the kernel memory.
 */
export function rowMomentsF32(data: Float32Array, offset: number, rowStride: number, rows: number, len: number, squares: boolean, threads = getCpuThreads()): RowMoments | undefined {
  checkBlock("rowMomentsF32", data, offset, rowStride, rows, len);
  const rt = kernelRuntime();
  const base = rt?.addressOf(data);
  if (!rt || base === undefined) return undefined;
  const sum = new Float64Array(rows), sq = new Float64Array(rows);
  if (rows === 0 || len === 0) return { sum, sq };
  const t = threadsFor(rt, rows * len, threads);
  const at = base + offset * 4;
  if (t > 1 && rows < 2 * t && len >= 2 * PIECE) {
    // few long rows: cut each into pieces for the threads and add the pieces' sums
    const pieces = Math.floor(len / PIECE), rest = len - pieces * PIECE;
    for (let r = 0; r < rows; r++) {
      const row = at + r * rowStride * 4;
      const parts = [momentsJob(rt, t, row, PIECE * 4, pieces, PIECE, squares)];
      if (rest > 0) parts.push(momentsJob(rt, 1, row + pieces * PIECE * 4, 0, 1, rest, squares));
      for (const p of parts)
        for (let i = 0; i < p.length; i += 4) {
          sum[r] += p[i]! + p[i + 1]!;
          sq[r] += p[i + 2]! + p[i + 3]!;
        }
    }
    return { sum, sq };
  }
  const p = momentsJob(rt, t, at, rowStride * 4, rows, len, squares);
  for (let r = 0; r < rows; r++) {
    sum[r] = p[4 * r]! + p[4 * r + 1]!;
    sq[r] = p[4 * r + 2]! + p[4 * r + 3]!;
  }
  return { sum, sq };
}

/**
 * Column sums in float64 of a row-major block of `rows` rows of `cols` consecutive floats, row r starting at
 * data[offset + r rowStride]. Undefined when `data` is not in the kernel memory.
 */
export function colSumsF32(data: Float32Array, offset: number, rowStride: number, rows: number, cols: number, threads = getCpuThreads()): Float64Array | undefined {
  checkBlock("colSumsF32", data, offset, rowStride, rows, cols);
  const rt = kernelRuntime();
  const base = rt?.addressOf(data);
  if (!rt || base === undefined) return undefined;
  const res = new Float64Array(cols);
  if (rows === 0 || cols === 0) return res;
  const t = threadsFor(rt, rows * cols, threads);
  const at = base + offset * 4, rowBytes = rowStride * 4;
  const accBytes = (cols + 2) * 8;
  const kernel = rt.kernel("colSums");
  const byColumns = t === 1 || cols >= 16 * t;
  // by columns: one accumulator, each thread a range of columns (multiples of 4, the rest to the last);
  // by rows (few columns): one accumulator per thread, added here
  const accs = byColumns ? 1 : t;
  const addrs = rt.layout(t, new Array<number>(accs).fill(accBytes));
  if (!addrs) throw new RangeError(`colSumsF32: ${cols} columns do not fit in the kernel memory`);
  for (const a of addrs) new Float64Array(rt.memory.buffer, a, cols + 2).fill(0);
  let tasks: Task[];
  if (byColumns) {
    const units = Math.ceil(cols / 4);
    tasks = evenRanges(units, t).map(([s, e]) => {
      const c0 = 4 * s, c1 = Math.min(cols, 4 * e);
      return { kernel, args: [at + c0 * 4, rowBytes, rows, c1 - c0, addrs[0]! + c0 * 8] };
    });
  } else {
    tasks = evenRanges(rows, t).map(([s, e], i) => ({ kernel, args: [at + s * rowBytes, rowBytes, e - s, cols, addrs[i]!] }));
  }
  rt.run(tasks);
  for (let i = 0; i < tasks.length; i++) {
    const acc = new Float64Array(rt.memory.buffer, byColumns ? addrs[0]! : addrs[i]!, cols);
    if (byColumns) {
      res.set(acc);
      break;
    }
    for (let j = 0; j < cols; j++) res[j] += acc[j]!;
  }
  return res;
}
