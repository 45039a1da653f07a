/**
 * Shared helpers of the WebAssembly kernel tests: a float64 reference matmul over strided views and
 * random strided operands.
 */
import { it } from "vitest";
import type { StridedMatrix } from "../../src/backend/cpu/wasm/matmul.js";
import { kernelRuntime } from "../../src/backend/cpu/wasm/runtime.js";

/**
 * `it` where the kernel runtime has shared WebAssembly memory with SIMD, else `it.skip` after printing why
 * (`what`: the tests skipped; `there`: what runs on such a host instead).
 */
export function itWithSharedMemory(what: string, there: string): typeof it.skip {
  if (kernelRuntime()?.shared === true) return it;
  console.log(`${what} skipped: no shared WebAssembly memory with SIMD on this host (${there})`);
  return it.skip;
}

/** A deterministic generator of floats in [-1, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/** A batch-of-matrices view: which layout to build for an operand. */
export interface Layout {
  /** Store the matrix transposed (column-major). */
  transposed: boolean;
  /** Extra elements between rows (or columns when transposed): a slice of a wider array. */
  pad: number;
  /** Elements before the first one. */
  offset: number;
  /** Per batch dimension: false broadcasts (stride 0). */
  batchPresent: boolean[];
  /** Store the columns in reverse order (negative column stride). */
  flipCols?: boolean;
}

/** Builds a random strided operand of logical shape [...batchShape, rows, cols] with the given layout. */
export function makeOperand(rand: () => number, batchShape: readonly number[], rows: number, cols: number, l: Layout): StridedMatrix {
  const inner = l.transposed ? rows : cols;
  const outer = l.transposed ? cols : rows;
  const lead = inner + l.pad;
  const matSize = Math.max(1, outer * lead);
  const batchStrides: number[] = new Array(batchShape.length).fill(0);
  let acc = matSize;
  for (let i = batchShape.length - 1; i >= 0; i--) {
    if (l.batchPresent[i]) {
      batchStrides[i] = acc;
      acc *= batchShape[i]!;
    }
  }
  const data = new Float32Array(l.offset + acc + 3);
  for (let i = 0; i < data.length; i++) data[i] = rand();
  const rowStride = l.transposed ? 1 : lead;
  let colStride = l.transposed ? lead : 1;
  let offset = l.offset;
  if (l.flipCols && cols > 1) {
    offset += (cols - 1) * colStride;
    colStride = -colStride;
  }
  return { data, offset, rowStride, colStride, batchStrides };
}

/** Float64 reference: the product and, per element, the sum of |a*b| (for the error bound). */
export function referenceMatmul(
  a: StridedMatrix,
  b: StridedMatrix,
  m: number,
  n: number,
  k: number,
  batchShape: readonly number[],
): { value: Float64Array; magnitude: Float64Array } {
  const batch = batchShape.reduce((x, y) => x * y, 1);
  const value = new Float64Array(batch * m * n), magnitude = new Float64Array(batch * m * n);
  const idx = new Array<number>(batchShape.length).fill(0);
  for (let t = 0; t < batch; t++) {
    let ao = a.offset, bo = b.offset;
    for (let i = 0; i < idx.length; i++) {
      ao += idx[i]! * (a.batchStrides?.[i] ?? 0);
      bo += idx[i]! * (b.batchStrides?.[i] ?? 0);
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, g = 0;
        for (let p = 0; p < k; p++) {
          const x = a.data[ao + i * a.rowStride + p * a.colStride]! * b.data[bo + p * b.rowStride + j * b.colStride]!;
          s += x;
          g += Math.abs(x);
        }
        value[(t * m + i) * n + j] = s;
        magnitude[(t * m + i) * n + j] = g;
      }
    }
    for (let i = idx.length - 1; i >= 0; i--) {
      if (++idx[i]! < batchShape[i]!) break;
      idx[i] = 0;
    }
  }
  return { value, magnitude };
}

/**
 * Largest violation of the float32 error bound |got - ref| <= (k + 2) * 2^-23 * sum|a*b| + 1e-30,
 * as a ratio (<= 1 passes), with the index of the worst element.
 */
export function boundRatio(got: Float32Array, ref: { value: Float64Array; magnitude: Float64Array }, k: number): { ratio: number; at: number } {
  let ratio = 0, at = -1;
  for (let i = 0; i < ref.value.length; i++) {
    const tol = (k + 2) * 2 ** -23 * ref.magnitude[i]! + 1e-30;
    const r = Math.abs(got[i]! - ref.value[i]!) / tol;
    if (!(r <= ratio)) {
      ratio = r;
      at = i;
    }
  }
  return { ratio, at };
}

/**
 * Strides of a view of `shape` whose dims are stored in the order `perm` (outermost first; default row-major),
 * the innermost stored dim padded by `pad` elements, and the number of elements that layout spans.
 */
export function permutedStrides(shape: readonly number[], perm?: readonly number[], pad = 0): { strides: number[]; extent: number } {
  const r = shape.length;
  const order = perm ?? shape.map((_, i) => i);
  const strides = new Array<number>(r).fill(0);
  let extent = 1;
  for (let i = r - 1; i >= 0; i--) {
    const d = order[i]!;
    strides[d] = extent;
    extent *= shape[d]! + (i === r - 1 ? pad : 0);
  }
  return { strides, extent };
}
