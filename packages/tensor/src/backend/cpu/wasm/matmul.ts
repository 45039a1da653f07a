/**
 * `matmulF32`: batched f32 matrix multiply over strided views (transposed operands, broadcast batch
 * dimensions), run by the WebAssembly SIMD GEMM on every configured thread.
 */
import { matmulF32Fallback } from "./fallback.js";
import { MIN_FLOPS_PER_THREAD, planGemm, splitRows } from "./partition.js";
import type { Task } from "./pool.js";
import { kernelRuntime, type KernelRuntime } from "./runtime.js";
import { collapseBatch, compactSize, gatherCompact, spanOf } from "./strided.js";
import { getCpuThreads } from "./threads.js";

/** A strided f32 matrix (or batch of matrices) inside a Float32Array. Strides are in elements, any sign. */
export interface StridedMatrix {
  /** The elements. */
  data: Float32Array;
  /** Index of element [0, 0] of the first batch entry. */
  offset: number;
  /** Distance between consecutive rows. */
  rowStride: number;
  /** Distance between consecutive columns (1 when rows are contiguous; the row length for a transpose). */
  colStride: number;
  /** One stride per batch dimension (0 broadcasts that dimension); omitted means all 0. */
  batchStrides?: readonly number[];
}

/** Options of `matmulF32`. */
export interface MatmulF32Options {
  /** Batch dimensions (the output is contiguous [...batchShape, m, n]). Default: none. */
  batchShape?: readonly number[];
  /** Index in `out` where the result starts. Default 0. */
  outOffset?: number;
  /** Threads to use (default: `getCpuThreads()`). */
  threads?: number;
}

function checkDim(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`matmulF32: ${name} must be a non-negative integer, got ${v}`);
}

/**
 * out[...batch, i, j] = sum_p A[...batch, i, p] * B[...batch, p, j] for A [m, k] and B [k, n] views,
 * written contiguously (row-major) to `out` from `outOffset`. Float32 inputs, float32 accumulation in
 * blocks of the inner dimension. Synchronous; multi-threaded where the host allows it. Arrays from
 * `allocF32` are used in place; others are copied into the kernel memory and the result copied out.
 * `out` must not overlap the inputs when it lives in the kernel memory.
 */
export function matmulF32(
  a: StridedMatrix,
  b: StridedMatrix,
  out: Float32Array,
  m: number,
  n: number,
  k: number,
  opts: MatmulF32Options = {},
): void {
  checkDim("m", m);
  checkDim("n", n);
  checkDim("k", k);
  const batchShape = opts.batchShape ?? [];
  batchShape.forEach((s, i) => checkDim(`batchShape[${i}]`, s));
  const aB = a.batchStrides ?? batchShape.map(() => 0);
  const bB = b.batchStrides ?? batchShape.map(() => 0);
  if (aB.length !== batchShape.length || bB.length !== batchShape.length) {
    throw new RangeError(`matmulF32: ${batchShape.length} batch dimensions but ${aB.length} and ${bB.length} batch strides`);
  }
  const outOffset = opts.outOffset ?? 0;
  const batch = batchShape.reduce((x, y) => x * y, 1);
  if (outOffset < 0 || outOffset + batch * m * n > out.length) {
    throw new RangeError(`matmulF32: output of ${batch * m * n} elements at ${outOffset} exceeds length ${out.length}`);
  }
  if (batch * m * n === 0) return;
  if (k === 0) {
    out.fill(0, outOffset, outOffset + batch * m * n);
    return;
  }
  const rt = kernelRuntime();
  if (!rt) {
    matmulF32Fallback({ a, b, out, m, n, k, batchShape, aBatch: aB, bBatch: bB, outOffset });
    return;
  }
  const dims = collapseBatch(batchShape, aB, bB);
  const r = dims.shape.length;
  const inner = r > 0 ? { count: dims.shape[r - 1]!, a: dims.a[r - 1]!, b: dims.b[r - 1]! } : { count: 1, a: 0, b: 0 };
  const outerShape = dims.shape.slice(0, Math.max(0, r - 1));
  const outerCount = outerShape.reduce((x, y) => x * y, 1);
  const requested = opts.threads ?? getCpuThreads();
  const threads = 2 * batch * m * n * k >= 2 * MIN_FLOPS_PER_THREAD ? rt.threads(requested) : 1;
  const idx = new Array<number>(outerShape.length).fill(0);
  for (let o = 0; o < outerCount; o++) {
    let aBase = a.offset, bBase = b.offset;
    for (let i = 0; i < idx.length; i++) {
      aBase += idx[i]! * dims.a[i]!;
      bBase += idx[i]! * dims.b[i]!;
    }
    const job: Job = { rt, a, b, out, m, n, k, threads, innerA: inner.a, innerB: inner.b };
    runGroup(job, aBase, bBase, inner.count, outOffset + o * inner.count * m * n);
    for (let i = idx.length - 1; i >= 0; i--) {
      if (++idx[i]! < outerShape[i]!) break;
      idx[i] = 0;
    }
  }
}

/** One matmul's operands and sizes: A [m, k] times B [k, n] into `out`. */
export interface MatmulOperands {
  a: StridedMatrix;
  b: StridedMatrix;
  out: Float32Array;
  m: number;
  n: number;
  k: number;
}

interface Job extends MatmulOperands {
  rt: KernelRuntime;
  threads: number;
  innerA: number;
  innerB: number;
}

/**
 * How an operand reaches wasm memory: already there (`resident`, from `allocF32`), a copied span
 * (strides unchanged), or a compact gather (for views that touch few elements of a wide span).
 */
interface Placement {
  kind: "resident" | "span" | "gather";
  /** Elements to copy in (0 when resident). */
  elements: number;
  /** Element offset from the region start to element [0,0,0]. */
  shift: number;
}

function place(rt: KernelRuntime, name: string, mat: StridedMatrix, base: number, sizes: number[], strides: number[]): Placement {
  const { lo, hi } = spanOf(sizes, strides);
  if (base + lo < 0 || base + hi >= mat.data.length) {
    throw new RangeError(`matmulF32: operand ${name} reaches elements ${base + lo}..${base + hi} of an array of ${mat.data.length}`);
  }
  if (rt.addressOf(mat.data) !== undefined) return { kind: "resident", elements: 0, shift: 0 };
  const span = hi - lo + 1, compact = compactSize(sizes, strides);
  if (span <= 2 * compact + 1024) return { kind: "span", elements: span, shift: -lo };
  return { kind: "gather", elements: compact, shift: 0 };
}

/** Puts an operand in the heap (region at byte `at`); returns the byte address of element [0,0,0] and its strides. */
function load(rt: KernelRuntime, mat: StridedMatrix, base: number, sizes: number[], strides: number[], p: Placement, at: number): [number, number[]] {
  switch (p.kind) {
    case "resident":
      return [rt.addressOf(mat.data)! + base * 4, strides];
    case "span":
      rt.stats.copiedInBytes += p.elements * 4;
      rt.f32().set(mat.data.subarray(base - p.shift, base - p.shift + p.elements), at >> 2);
      return [at + p.shift * 4, strides];
    case "gather":
      rt.stats.copiedInBytes += p.elements * 4;
      return [at, gatherCompact(mat.data, base, sizes, strides, rt.f32(), at >> 2)];
  }
}

/** Multiplies `count` consecutive inner batch entries, splitting them further if memory is short. */
function runGroup(job: Job, aBase: number, bBase: number, count: number, outAt: number): void {
  const { rt, a, b, m, n, k } = job;
  const aSizes = [count, m, k], aStrides = [job.innerA, a.rowStride, a.colStride];
  const bSizes = [count, k, n], bStrides = [job.innerB, b.rowStride, b.colStride];
  const pa = place(rt, "a", a, aBase, aSizes, aStrides);
  const pb = place(rt, "b", b, bBase, bSizes, bStrides);
  const outAddress = rt.addressOf(job.out);
  const { mr, nr } = rt.blocking;
  const plan = planGemm(count, m, n, k, job.threads, mr, nr);
  // Row chunks of one product would each pack all of B again: pack it once, shared by every chunk.
  const prepack = plan.threads > 1 && plan.rows < m;
  const bEntries = job.innerB === 0 ? 1 : count, strips = Math.ceil(n / nr);
  const packedBytes = prepack ? bEntries * strips * nr * k * 4 : 0;
  const addrs = rt.layout(job.threads, [pa.elements * 4, pb.elements * 4, outAddress === undefined ? count * m * n * 4 : 0, packedBytes]);
  if (!addrs) {
    if (count === 1) throw new RangeError(`matmulF32: [${m},${k}] @ [${k},${n}] does not fit in WebAssembly memory`);
    const half = count >> 1;
    runGroup(job, aBase, bBase, half, outAt);
    runGroup(job, aBase + half * job.innerA, bBase + half * job.innerB, count - half, outAt + half * m * n);
    return;
  }
  const [aAt, bAt, cTmp, packedAt] = addrs as [number, number, number, number];
  const [aPtr, [sba, rsa, csa]] = load(rt, a, aBase, aSizes, aStrides, pa, aAt) as [number, [number, number, number]];
  const [bPtr, [sbb, rsb, csb]] = load(rt, b, bBase, bSizes, bStrides, pb, bAt) as [number, [number, number, number]];
  const cAt = outAddress === undefined ? cTmp : outAddress + outAt * 4;
  const common = [aPtr, sba, rsa, csa, bPtr, sbb, rsb, csb, cAt, m * n, n, m, n, k, count];
  let tasks: Task[];
  if (plan.threads === 1) tasks = [{ kernel: rt.kernel("gemmBatch"), args: [...common, rt.scratch(0)] }];
  else {
    if (prepack) {
      const packTasks = splitRows(bEntries * strips, k * nr, plan.threads).map(([s0, s1]) => ({
        kernel: rt.kernel("packBStrips"),
        args: [bPtr, sbb, rsb, csb, k, n, packedAt, s0, s1],
      }));
      rt.run(packTasks);
      rt.stats.sharedPackings++;
    }
    rt.resetCounter();
    const kernel = rt.kernel("gemmChunks");
    const packed = prepack ? [packedAt, bEntries === 1 ? 0 : strips * nr * k * 4] : [0, 0];
    tasks = Array.from({ length: Math.min(plan.threads, plan.total) }, (_, t) => ({
      kernel,
      args: [...common, rt.scratch(t), rt.counterAddress, plan.rows, plan.cols, ...packed],
    }));
  }
  rt.run(tasks);
  if (outAddress === undefined) {
    rt.stats.copiedOutBytes += count * m * n * 4;
    job.out.set(rt.f32().subarray(cAt >> 2, (cAt >> 2) + count * m * n), outAt);
  }
}
