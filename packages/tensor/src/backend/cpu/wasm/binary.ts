/**
 * `binaryF32`: out = x op y (add, sub, mul, div) over float32 operands broadcast to `shape`, on the
 * WebAssembly SIMD kernel of binary-kernel.ts with rows split over the threads, for operands that live in
 * the kernel memory (resident storage; a small ordinary operand, such as a bias, is copied in). Shapes whose
 * dims do not merge into at most three with unit or zero inner strides are left to the caller (false).
 */
import { collapse } from "../loops.js";
import { BINARY_OPS, type BinaryKernelOp } from "./binary-kernel.js";
import { MIN_FLOPS_PER_THREAD, splitRows } from "./partition.js";
import type { Task } from "./pool.js";
import { kernelRuntime, type KernelRuntime } from "./runtime.js";
import { spanOf } from "./strided.js";
import { getCpuThreads } from "./threads.js";

export { BINARY_OPS, type BinaryKernelOp } from "./binary-kernel.js";

/** A float32 operand: element [i0, i1, ...] of the broadcast view is data[offset + sum i_d strides[d]]. */
export interface BroadcastF32 {
  data: Float32Array;
  offset: number;
  strides: readonly number[];
}

/** Largest ordinary (not resident) operand copied in, in elements. */
const MAX_COPIED = 1 << 14;
/** Columns of the rows a one-dimensional call is cut into (so that it can be split over threads). */
const CHUNK = 4096;
/** Smallest job worth a kernel call per outer index of a three-dimensional shape (elements). */
const MIN_PLANE = 4096;

/**
 * out[i] = x[i] op y[i] for every index of `shape` in row-major order (`out` contiguous from 0 and resident).
 * Returns false, having written nothing, when the kernel cannot take this call.
 */
export function binaryF32(op: BinaryKernelOp, x: BroadcastF32, y: BroadcastF32, out: Float32Array, shape: readonly number[], threads = getCpuThreads()): boolean {
  const rt = kernelRuntime();
  if (!rt) return false;
  const outAt = rt.addressOf(out);
  if (outAt === undefined) return false;
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0 || n > out.length) return n === 0;
  const c = collapse(shape, [x.strides, y.strides]);
  const r = c.shape.length;
  if (r > 3) return false;
  const [xs, ys] = c.strides as [number[], number[]];
  const xi = xs[r - 1]!, yi = ys[r - 1]!;
  if ((xi !== 0 && xi !== 1) || (yi !== 0 && yi !== 1) || (xi === 0 && yi === 0)) return false;
  if (r === 3 && c.shape[1]! * c.shape[2]! < MIN_PLANE) return false;
  const t = n * 4 >= 2 * MIN_FLOPS_PER_THREAD ? rt.threads(threads) : 1;
  // operands outside the kernel memory: copy their span in when small, else leave the call to the caller
  const spans = [x, y].map((v, k) => (rt.addressOf(v.data) === undefined ? spanOf(c.shape, c.strides[k]!) : null));
  const sizes = spans.map((s) => (s ? s.hi - s.lo + 1 : 0));
  if (sizes.some((s) => s > MAX_COPIED)) return false;
  const addrs = rt.layout(t, sizes.map((s) => s * 4));
  if (!addrs) return false;
  const base = [x, y].map((v, k) => {
    const s = spans[k];
    if (!s) return rt.addressOf(v.data)! + v.offset * 4;
    if (v.offset + s.lo < 0 || v.offset + s.hi >= v.data.length) throw new RangeError(`binaryF32: operand ${k} reaches outside its array`);
    rt.f32().set(v.data.subarray(v.offset + s.lo, v.offset + s.hi + 1), addrs[k]! >> 2);
    return addrs[k]! - s.lo * 4;
  }) as [number, number];
  const kernel = rt.kernel("binary");
  const code = BINARY_OPS[op];
  if (r === 1) {
    const full = n >= 2 * CHUNK ? Math.floor(n / CHUNK) : 0;
    if (full > 0) run2d(rt, t, kernel, code, base[0], xi * CHUNK * 4, xi, base[1], yi * CHUNK * 4, yi, outAt, full, CHUNK);
    const done = full * CHUNK;
    if (done < n) run2d(rt, t, kernel, code, base[0] + xi * done * 4, 0, xi, base[1] + yi * done * 4, 0, yi, outAt + done * 4, 1, n - done);
  } else if (r === 2) {
    run2d(rt, t, kernel, code, base[0], xs[0]! * 4, xi, base[1], ys[0]! * 4, yi, outAt, c.shape[0]!, c.shape[1]!);
  } else {
    const plane = c.shape[1]! * c.shape[2]!;
    for (let o = 0; o < c.shape[0]!; o++) {
      run2d(rt, t, kernel, code, base[0] + o * xs[0]! * 4, xs[1]! * 4, xi, base[1] + o * ys[0]! * 4, ys[1]! * 4, yi, outAt + o * plane * 4, c.shape[1]!, c.shape[2]!);
    }
  }
  return true;
}

function run2d(rt: KernelRuntime, threads: number, kernel: number, code: number, x: number, xRow: number, xi: number, y: number, yRow: number, yi: number, out: number, rows: number, cols: number): void {
  const tasks: Task[] = splitRows(rows, 4 * cols, threads).map(([s, e]) => ({
    kernel,
    args: [code, x + s * xRow, xRow, xi, y + s * yRow, yRow, yi, out + s * cols * 4, e - s, cols],
  }));
  rt.run(tasks);
}
