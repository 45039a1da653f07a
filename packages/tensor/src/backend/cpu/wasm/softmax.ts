/**
 * `softmaxRowsF32`: softmax over the last axis of contiguous rows, by the WebAssembly SIMD kernel
 * (vector exp) split by rows over the configured threads.
 */
import { MIN_FLOPS_PER_THREAD, splitRows } from "./partition.js";
import { kernelRuntime } from "./runtime.js";
import { getCpuThreads } from "./threads.js";

/** Options of `softmaxRowsF32`. */
interface SoftmaxRowsOptions {
  /** Threads to use (default: `getCpuThreads()`). */
  threads?: number;
}

function fallback(x: Float32Array, xOffset: number, out: Float32Array, outOffset: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const xo = xOffset + r * cols, oo = outOffset + r * cols;
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) mx = Math.max(mx, x[xo + j]!);
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(x[xo + j]! - mx);
      out[oo + j] = e;
      s += e;
    }
    for (let j = 0; j < cols; j++) out[oo + j]! /= s;
  }
}

/**
 * out[r, :] = softmax(x[r, :]) for `rows` contiguous rows of `cols` elements starting at `xOffset` in `x`
 * and `outOffset` in `out` (`out` may be `x`, at the same offset). A row whose maximum is +-Infinity or NaN
 * gives NaN. Arrays from `allocF32` are used in place.
 */
export function softmaxRowsF32(
  x: Float32Array,
  xOffset: number,
  out: Float32Array,
  outOffset: number,
  rows: number,
  cols: number,
  opts: SoftmaxRowsOptions = {},
): void {
  const total = rows * cols;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`softmaxRowsF32: bad shape [${rows}, ${cols}]`);
  }
  if (xOffset < 0 || xOffset + total > x.length || outOffset < 0 || outOffset + total > out.length) {
    throw new RangeError(`softmaxRowsF32: [${rows}, ${cols}] out of bounds`);
  }
  if (total === 0) return;
  const rt = kernelRuntime();
  if (!rt) {
    fallback(x, xOffset, out, outOffset, rows, cols);
    return;
  }
  const cost = 40 * cols;
  const want = opts.threads ?? getCpuThreads();
  const threads = rows * cost >= 2 * MIN_FLOPS_PER_THREAD ? rt.threads(want) : 1;
  const xAddr = rt.addressOf(x), outAddr = rt.addressOf(out);
  const addrs = rt.layout(threads, [outAddr === undefined ? total * 4 : 0]);
  if (!addrs) {
    const half = rows >> 1;
    if (half === 0) throw new RangeError(`softmaxRowsF32: a row of ${cols} does not fit in WebAssembly memory`);
    softmaxRowsF32(x, xOffset, out, outOffset, half, cols, opts);
    softmaxRowsF32(x, xOffset + half * cols, out, outOffset + half * cols, rows - half, cols, opts);
    return;
  }
  // Destination: the resident output, else a temporary; the source is the resident input, else a copy
  // of it placed in the destination (the kernel works in place).
  const dst = outAddr !== undefined ? outAddr + outOffset * 4 : addrs[0]!;
  let src: number;
  if (xAddr !== undefined) src = xAddr + xOffset * 4;
  else {
    rt.stats.copiedInBytes += total * 4;
    rt.f32().set(x.subarray(xOffset, xOffset + total), dst >> 2);
    src = dst;
  }
  const kernel = rt.kernel("softmaxRows");
  const tasks = splitRows(rows, cost, threads).map(([s, e]) => ({
    kernel,
    args: [src + s * cols * 4, dst + s * cols * 4, e - s, cols],
  }));
  rt.run(tasks);
  if (outAddr === undefined) rt.stats.copiedOutBytes += total * 4;
  if (outAddr === undefined) out.set(rt.f32().subarray(dst >> 2, (dst >> 2) + total), outOffset);
}
