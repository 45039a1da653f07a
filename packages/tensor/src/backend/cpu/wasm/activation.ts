/**
 * `activationF32`: y = act(x + bias) over contiguous float32 data that lives in the kernel memory (resident
 * storage), on the WebAssembly SIMD kernel of activation-kernel.ts, rows split over the threads. Arrays
 * outside the kernel memory are not copied in: the call then returns false and the caller runs its own loop.
 */
import { ACTIVATION_KINDS, type ActivationKind } from "./activation-kernel.js";
import { MIN_FLOPS_PER_THREAD, splitRows } from "./partition.js";
import type { Task } from "./pool.js";
import { kernelRuntime } from "./runtime.js";
import { getCpuThreads } from "./threads.js";

export type { ActivationKind } from "./activation-kernel.js";

/** Rough float operations per element (exp, a division, the polynomial), for the thread split. */
const COST = 40;
/** Columns of the rows a bias-free call is cut into (so that it can be split over threads). */
const CHUNK = 1024;

/** A contiguous float32 operand: `data[offset ..]`. */
interface F32Slice {
  data: Float32Array;
  offset: number;
}

/**
 * out[r, j] = act(x[r, j] + bias[j]) for row-major [rows, cols] `x` and `out` (the bias, of `cols` elements,
 * is optional and may be an ordinary array). Returns false, doing nothing, when `x` or `out` is not in the
 * kernel memory or there is no kernel runtime.
 */
export function activationF32(kind: ActivationKind, x: F32Slice, bias: F32Slice | null, out: F32Slice, rows: number, cols: number, threads = getCpuThreads()): boolean {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) throw new RangeError(`activationF32: bad shape [${rows}, ${cols}]`);
  const n = rows * cols;
  if (x.offset < 0 || x.offset + n > x.data.length || out.offset < 0 || out.offset + n > out.data.length) throw new RangeError(`activationF32: [${rows}, ${cols}] out of bounds`);
  if (bias && (bias.offset < 0 || bias.offset + cols > bias.data.length)) throw new RangeError(`activationF32: a bias of ${cols} elements out of bounds`);
  const rt = kernelRuntime();
  if (!rt) return false;
  const xa = rt.addressOf(x.data), ya = rt.addressOf(out.data);
  if (xa === undefined || ya === undefined) return false;
  if (n === 0) return true;
  // without a bias the rows are arbitrary: cut the data into rows of CHUNK (and one shorter row)
  if (!bias && cols !== CHUNK && n >= 2 * CHUNK) {
    const full = Math.floor(n / CHUNK), rest = n - full * CHUNK;
    activationF32(kind, x, null, out, full, CHUNK, threads);
    if (rest > 0) activationF32(kind, { data: x.data, offset: x.offset + full * CHUNK }, null, { data: out.data, offset: out.offset + full * CHUNK }, 1, rest, threads);
    return true;
  }
  const t = n * COST >= 2 * MIN_FLOPS_PER_THREAD ? rt.threads(threads) : 1;
  const residentBias = bias ? rt.addressOf(bias.data) : undefined;
  const addrs = rt.layout(t, [bias && residentBias === undefined ? cols * 4 : 0]);
  if (!addrs) return false;
  let ba = 0;
  if (bias) {
    if (residentBias !== undefined) ba = residentBias + bias.offset * 4;
    else {
      rt.f32().set(bias.data.subarray(bias.offset, bias.offset + cols), addrs[0]! >> 2);
      ba = addrs[0]!;
    }
  }
  const kernel = rt.kernel("activation");
  const code = ACTIVATION_KINDS[kind];
  const tasks: Task[] = splitRows(rows, COST * cols, t).map(([s, e]) => ({
    kernel,
    args: [code, xa + (x.offset + s * cols) * 4, ba, bias ? 1 : 0, ya + (out.offset + s * cols) * 4, e - s, cols],
  }));
  rt.run(tasks);
  return true;
}
