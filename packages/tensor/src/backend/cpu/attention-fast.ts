import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { sizeOf } from "../../shape.js";
import { attentionKernel, attentionOperands, maskedExpRow, type AttentionOperands } from "./attention.js";
import { allocOutput } from "./host-pool.js";
import { CpuStorage, dataOf } from "./storage.js";
import { batchedAttention } from "./attention-batched.js";
import { allocF32, freeF32, matmulF32 } from "./wasm/index.js";

/** Scores held at once per block of query rows (floats): bounds the memory of long sequences. */
const BLOCK_SCORES = 1 << 20;

/**
 * float32 fused attention on the WebAssembly GEMM: for each batch entry and block of query rows, S = Q K^T
 * (GEMM), the masked softmax of each row in place (JavaScript, float64 sums), then O = P V (GEMM). The scores
 * of one block only are held (at most `blockScores` floats, 2^20 by default); causal blocks stop at their
 * last visible key. Other dtypes use the reference kernel.
 */
export function fastAttentionKernel(blockScores = BLOCK_SCORES) {
  return (inputs: readonly TensorView[], attrs: KernelAttrs["attention"], out: OutputInfo): CpuStorage => fastAttention(inputs, attrs, out, blockScores);
}

function fastAttention(inputs: readonly TensorView[], attrs: KernelAttrs["attention"], out: OutputInfo, blockScores: number): CpuStorage {
  if (out.dtype !== "float32") return attentionKernel(inputs, attrs, out);
  const batched = batchedAttention(inputs, attrs, out);
  if (batched) return batched;
  const [qv, kv, vv] = inputs as [TensorView, TensorView, TensorView];
  const { q, k, v, m, Lq, Lk, D, Dv } = attentionOperands(inputs, out);
  const res = allocOutput("float32", sizeOf(out.shape), false) as Float32Array;
  if (res.length === 0) return new CpuStorage(res);
  const rowsPerBlock = Math.max(1, Math.min(Lq, Math.floor(blockScores / Lk)));
  // the scores live in the kernel memory where it is shared, so both GEMMs use them in place
  const scores = allocF32(rowsPerBlock * Lk);
  try {
    attentionBlocks(attrs, { q, k, v, m, qd: dataOf(qv) as Float32Array, kd: dataOf(kv) as Float32Array, vd: dataOf(vv) as Float32Array }, scores, res, rowsPerBlock, Lq, Lk, D, Dv);
  } finally {
    freeF32(scores);
  }
  return new CpuStorage(res);
}

interface Operands extends Pick<AttentionOperands, "q" | "k" | "v" | "m"> {
  qd: Float32Array;
  kd: Float32Array;
  vd: Float32Array;
}

/** The attention of every batch entry, by blocks of `rowsPerBlock` query rows, into `res`. */
function attentionBlocks(
  attrs: KernelAttrs["attention"],
  { q, k, v, m, qd, kd, vd }: Operands,
  scores: Float32Array,
  res: Float32Array,
  rowsPerBlock: number,
  Lq: number,
  Lk: number,
  D: number,
  Dv: number,
): void {
  for (let b = 0; b < q.base.length; b++) {
    for (let i0 = 0; i0 < Lq; i0 += rowsPerBlock) {
      const rows = Math.min(rowsPerBlock, Lq - i0);
      // keys a causal block can see: 0 .. i0 + rows - 1
      const n = attrs.causal ? Math.min(Lk, i0 + rows) : Lk;
      const s = scores.subarray(0, rows * n);
      matmulF32(
        { data: qd, offset: q.base[b]! + i0 * q.rowStride, rowStride: q.rowStride, colStride: q.colStride },
        { data: kd, offset: k.base[b]!, rowStride: k.colStride, colStride: k.rowStride },
        s,
        rows,
        n,
        D,
      );
      for (let i = 0; i < rows; i++) {
        const row = s.subarray(i * n, (i + 1) * n);
        const sum = maskedExpRow(row, n, i0 + i, attrs, m, b);
        const inv = 1 / sum;
        for (let j = 0; j < n; j++) row[j] = row[j]! * inv;
      }
      matmulF32(
        { data: s, offset: 0, rowStride: n, colStride: 1 },
        { data: vd, offset: v.base[b]!, rowStride: v.rowStride, colStride: v.colStride },
        res,
        rows,
        Dv,
        n,
        { outOffset: (b * Lq + i0) * Dv },
      );
    }
  }
}
