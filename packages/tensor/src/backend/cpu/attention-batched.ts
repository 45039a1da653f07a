/**
 * Unmasked, non-causal float32 attention over whole batches at once, all in the kernel memory: S = Q K^T as
 * one batched GEMM, the scale as one SIMD multiply, the softmax of every row on the WebAssembly softmax
 * kernel, O = P V as one batched GEMM, every step split over the threads. The per-entry path of
 * attention-fast.ts (two small GEMMs and a JavaScript softmax per batch entry) stays for masks, causal
 * attention, broadcast batch dims, and storage outside the kernel memory.
 */
import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { collapseDims, sizeOf } from "../../shape.js";
import { allocOutput } from "./host-pool.js";
import { CpuStorage, dataOf } from "./storage.js";
import { binaryF32 } from "./wasm/binary.js";
import { allocF32, freeF32, matmulF32 } from "./wasm/index.js";
import { kernelRuntime } from "./wasm/runtime.js";
import { softmaxRowsF32 } from "./wasm/softmax.js";

/** Scores held at once (floats, 16 MiB): larger batches run in chunks along the first batch dim. */
const MAX_SCORES = 1 << 22;

/** The batched attention, or undefined (nothing allocated) when the inputs do not suit it. */
export function batchedAttention(inputs: readonly TensorView[], attrs: KernelAttrs["attention"], out: OutputInfo, maxScores = MAX_SCORES): CpuStorage | undefined {
  if (attrs.causal || attrs.mask !== "none" || inputs.length !== 3 || out.dtype !== "float32") return undefined;
  const [qv, kv, vv] = inputs as [TensorView, TensorView, TensorView];
  const rt = kernelRuntime();
  if (!rt || [qv, kv, vv].some((t) => t.dtype !== "float32" || rt.addressOf(dataOf(t) as Float32Array) === undefined)) return undefined;
  const r = out.shape.length;
  const batchShape = out.shape.slice(0, r - 2);
  // q, k and v with the output's batch dims (no broadcasting); batches are cut along the first merged dim
  if ([qv, kv, vv].some((t) => t.shape.length !== r || batchShape.some((d, i) => t.shape[i] !== d))) return undefined;
  const c = collapseDims(batchShape, [qv, kv, vv].map((t) => t.strides.slice(0, r - 2)));
  const dims = c.shape.length > 0 ? c.shape : [1];
  const [qs, ks, vs] = c.strides.map((st) => (st.length > 0 ? st : [0])) as [number[], number[], number[]];
  const [Lq, Dv] = [out.shape[r - 2]!, out.shape[r - 1]!];
  const [Lk, D] = [kv.shape[r - 2]!, kv.shape[r - 1]!];
  if (Lk === 0 || sizeOf(out.shape) === 0) return undefined;
  const inner = dims.slice(1).reduce((a, b) => a * b, 1);
  const perEntry = inner * Lq * Lk;
  if (perEntry > maxScores) return undefined;
  const chunk = Math.max(1, Math.min(dims[0]!, Math.floor(maxScores / perEntry)));
  const res = allocOutput("float32", sizeOf(out.shape), false) as Float32Array;
  const scores = allocF32(chunk * perEntry);
  const scale = Float32Array.of(attrs.scale);
  const [qd, kd, vd] = [qv, kv, vv].map((t) => dataOf(t) as Float32Array) as [Float32Array, Float32Array, Float32Array];
  // the scores' batch strides: contiguous over the merged batch dims
  const sStrides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1) * Lq * Lk);
  try {
    for (let b0 = 0; b0 < dims[0]!; b0 += chunk) {
      const n = Math.min(chunk, dims[0]! - b0);
      const bs = [n, ...dims.slice(1)];
      const rows = n * inner * Lq;
      matmulF32(
        { data: qd, offset: qv.offset + b0 * qs[0]!, rowStride: qv.strides[r - 2]!, colStride: qv.strides[r - 1]!, batchStrides: qs },
        { data: kd, offset: kv.offset + b0 * ks[0]!, rowStride: kv.strides[r - 1]!, colStride: kv.strides[r - 2]!, batchStrides: ks },
        scores,
        Lq,
        Lk,
        D,
        { batchShape: bs },
      );
      if (!binaryF32("mul", { data: scores, offset: 0, strides: [Lk, 1] }, { data: scale, offset: 0, strides: [0, 0] }, scores, [rows, Lk])) {
        for (let i = 0; i < rows * Lk; i++) scores[i] = scores[i]! * attrs.scale;
      }
      softmaxRowsF32(scores, 0, scores, 0, rows, Lk);
      matmulF32(
        { data: scores, offset: 0, rowStride: Lk, colStride: 1, batchStrides: sStrides },
        { data: vd, offset: vv.offset + b0 * vs[0]!, rowStride: vv.strides[r - 2]!, colStride: vv.strides[r - 1]!, batchStrides: vs },
        res,
        Lq,
        Dv,
        Lk,
        { batchShape: bs, outOffset: b0 * inner * Lq * Dv },
      );
    }
  } finally {
    freeF32(scores);
  }
  return new CpuStorage(res);
}
