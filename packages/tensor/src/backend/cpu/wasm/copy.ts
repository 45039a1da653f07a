/**
 * Strided float32 copies (and zero fills) between arrays in the kernel memory on the `copyRuns` kernel of
 * copy-kernel.ts, split over the threads: any view whose dims merge into at most four with the innermost
 * contiguous in the destination (in the source, any stride: a slower scalar path when it is not 1). Other layouts, and arrays outside the kernel memory, are left to the caller
 * (false, nothing written).
 */
import { collapse } from "../loops.js";
import { MIN_FLOPS_PER_THREAD } from "./partition.js";
import { evenRanges } from "./reduce.js";
import { kernelRuntime } from "./runtime.js";
import { spanOf } from "./strided.js";
import { getCpuThreads } from "./threads.js";

/** A strided float32 operand: element [i0, i1, ...] is data[offset + sum i_d strides[d]]. */
interface StridedF32 {
  data: Float32Array;
  offset: number;
  strides: readonly number[];
}

/** Floats per run when a contiguous copy is cut into runs for the threads. */
const RUN = 4096;
/** Below this many floats a copy stays on the calling thread. */
const MIN_PARALLEL = MIN_FLOPS_PER_THREAD / 4;

function inBounds(fn: string, name: string, v: StridedF32, shape: readonly number[]): void {
  const { lo, hi } = spanOf(shape, v.strides);
  if (v.offset + lo < 0 || v.offset + hi >= v.data.length) throw new RangeError(`${fn}: ${name} view [${shape.join(",")}] reaches outside its array of ${v.data.length}`);
}

function run(fn: string, src: StridedF32 | null, dst: StridedF32, shape: readonly number[], threads: number): boolean {
  if (shape.length !== dst.strides.length || (src && shape.length !== src.strides.length)) throw new RangeError(`${fn}: strides do not match the shape [${shape.join(",")}]`);
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return true;
  const rt = kernelRuntime();
  if (!rt) return false;
  const da = rt.addressOf(dst.data), sa = src ? rt.addressOf(src.data) : 0;
  if (da === undefined || sa === undefined) return false;
  inBounds(fn, "destination", dst, shape);
  if (src) inBounds(fn, "source", src, shape);
  const c = collapse(shape, src ? [src.strides, dst.strides] : [dst.strides]);
  const r = c.shape.length;
  // a lone size-1 dim (what everything of size 1 collapses to) is never stepped: call it contiguous
  const unit = (s: number[]): number[] => s.map((v, d) => (c.shape[d] === 1 ? 1 : v));
  const ss = src ? unit(c.strides[0]!) : new Array<number>(r).fill(0);
  const ds = unit(c.strides[src ? 1 : 0]!);
  if (r > 4 || ds[r - 1] !== 1) return false;
  const step = src ? ss[r - 1]! : 1;
  let dims = c.shape.slice(), sst = ss.slice(), dst_ = ds.slice();
  if (r === 1 && n >= 2 * RUN && step === 1) {
    // one contiguous run: cut into rows of RUN (and one shorter row, copied separately)
    const full = Math.floor(n / RUN), rest = n - full * RUN;
    if (rest > 0) {
      const at = full * RUN;
      if (!run(fn, src ? { data: src.data, offset: src.offset + at, strides: [1] } : null, { data: dst.data, offset: dst.offset + at, strides: [1] }, [rest], 1)) return false;
    }
    dims = [full, RUN];
    sst = [src ? RUN : 0, 1];
    dst_ = [RUN, 1];
  }
  while (dims.length < 4) {
    dims.unshift(1);
    sst.unshift(0);
    dst_.unshift(0);
  }
  const t = n >= MIN_PARALLEL ? rt.threads(threads) : 1;
  // split the largest outer dim over the threads
  let d = 0;
  for (let k = 1; k < 3; k++) if (dims[k]! > dims[d]!) d = k;
  const kernel = rt.kernel("copyRuns");
  const s0 = (src ? sa + src.offset * 4 : 0), d0 = da + dst.offset * 4;
  rt.run(
    evenRanges(dims[d]!, t).map(([a, b]) => {
      const nn = dims.slice(0, 3);
      nn[d] = b - a;
      return {
        kernel,
        args: [s0 + a * sst[d]! * 4, sst[0]! * 4, sst[1]! * 4, sst[2]! * 4, d0 + a * dst_[d]! * 4, dst_[0]! * 4, dst_[1]! * 4, dst_[2]! * 4, nn[0]!, nn[1]!, nn[2]!, dims[3]!, src ? 0 : 1, step * 4],
      };
    }),
  );
  return true;
}

/**
 * dst[i] = src[i] for every index i of `shape` (both views in the kernel memory, not overlapping). False,
 * having written nothing, when the layout or the arrays do not suit the kernel.
 */
export function copyStridedF32(src: StridedF32, dst: StridedF32, shape: readonly number[], threads = getCpuThreads()): boolean {
  return run("copyStridedF32", src, dst, shape, threads);
}

/** dst[i] = 0 for every index i of `shape` (dst in the kernel memory); false when it does not suit the kernel. */
export function fillZeroF32(dst: StridedF32, shape: readonly number[], threads = getCpuThreads()): boolean {
  return run("fillZeroF32", null, dst, shape, threads);
}
