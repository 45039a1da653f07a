import type { OutputInfo, TensorView } from "../../backend.js";
import { bind, type GpuContext } from "../context.js";
import { wgslComputeType, wgslStorageType } from "../dtypes.js";
import { broadcastTo, collapse, numel } from "../layout.js";
import { Params } from "../params.js";
import { gpuStorage, type WebGPUStorage } from "../storage.js";
import { loadAs, storeAs } from "../wgsl/convert.js";
import { wgslModule } from "../wgsl/header.js";
import { stridedCode, writeIteration } from "../wgsl/strided.js";

/** Register-tile rows/columns per thread for a dimension of size `n`. */
function tileFor(n: number): number {
  return n <= 16 ? 1 : n <= 32 ? 2 : 4;
}

/**
 * Batched matmul [..., m, k] @ [..., k, n] with a tiled kernel: an S x S workgroup (S = 16, or 8 where the
 * device allows fewer than 256 invocations) computes a (S*TM) x (S*TN) output tile, each thread a TM x TN
 * register tile, staging S-deep slices of both operands in workgroup memory. Operands are read through
 * their strides, so transposed, broadcast (stride-0 batch) and flipped views need no copy; the staging
 * loads follow whichever operand dimension is contiguous so global reads coalesce.
 */
export function matmul(ctx: GpuContext, a: TensorView, b: TensorView, out: OutputInfo): WebGPUStorage {
  const r = out.shape.length;
  const M = out.shape[r - 2]!;
  const N = out.shape[r - 1]!;
  const K = a.shape[a.shape.length - 1]!;
  const total = numel(out.shape);
  const result = ctx.alloc(out.dtype, total, "matmul", out.shape);
  if (total === 0) return result;
  const sa = gpuStorage(a, "matmul");
  const sb = gpuStorage(b, "matmul");
  const batchShape = out.shape.slice(0, -2);
  const aBatch = broadcastTo(a.shape.slice(0, -2), a.strides.slice(0, -2), batchShape);
  const bBatch = broadcastTo(b.shape.slice(0, -2), b.strides.slice(0, -2), batchShape);
  const it = collapse({ shape: batchShape, operands: [{ strides: aBatch, offset: a.offset }, { strides: bBatch, offset: b.offset }] });
  const batches = numel(batchShape);
  const sAm = a.strides[a.shape.length - 2]!;
  const sAk = a.strides[a.shape.length - 1]!;
  const sBk = b.strides[b.shape.length - 2]!;
  const sBn = b.strides[b.shape.length - 1]!;
  const S = ctx.limits.maxComputeInvocationsPerWorkgroup >= 256 ? 16 : 8;
  const TM = tileFor(M);
  const TN = tileFor(N);
  const BM = S * TM;
  const BN = S * TN;
  const BK = S;
  const aKFast = !(sAm === 1 && sAk !== 1);
  const bNFast = !(sBk === 1 && sBn !== 1);
  const T = wgslComputeType(out.dtype);
  const aType = wgslStorageType(a.dtype);
  const bType = wgslStorageType(b.dtype);
  const outType = wgslStorageType(out.dtype);
  const rank = it.shape.length;
  const key = `matmul|${T}|${aType},${bType}>${outType}|r${rank}|S${S}|${TM}x${TN}|${aKFast ? "ak" : "am"}${bNFast ? "bn" : "bk"}`;
  const maxZ = ctx.maxGroups;
  for (let first = 0; first < batches; first += maxZ) {
    const params = new Params();
    params.u32(M);
    params.u32(N);
    params.u32(K);
    params.i32(sAm);
    params.i32(sAk);
    params.i32(sBk);
    params.i32(sBn);
    params.u32(first);
    const base = writeIteration(params, it);
    const source = () => {
      const acc: string[] = [];
      const regs: string[] = [];
      const fma: string[] = [];
      const stores: string[] = [];
      for (let i = 0; i < TM; i++) regs.push(`let a${i} = As[kk * ${BM}u + ty + ${i * S}u];`);
      for (let j = 0; j < TN; j++) regs.push(`let b${j} = Bs[kk * ${BN}u + tx + ${j * S}u];`);
      for (let i = 0; i < TM; i++) {
        for (let j = 0; j < TN; j++) {
          acc.push(`var acc${i}_${j} = T(0);`);
          fma.push(`acc${i}_${j} = acc${i}_${j} + a${i} * b${j};`);
          stores.push(`if (row0 + ty + ${i * S}u < M && col0 + tx + ${j * S}u < N) {
    out[obase + (row0 + ty + ${i * S}u) * N + col0 + tx + ${j * S}u] = ${storeAs(`acc${i}_${j}`, T, outType)};
  }`);
        }
      }
      const aIdx = aKFast ? `let kk = e % ${BK}u; let i = e / ${BK}u;` : `let i = e % ${BM}u; let kk = e / ${BM}u;`;
      const bIdx = bNFast ? `let j = e % ${BN}u; let kk = e / ${BN}u;` : `let kk = e % ${BK}u; let j = e / ${BK}u;`;
      const body = `fn lda(p: i32) -> T { return ${loadAs("A[u32(p)]", aType, T)}; }
fn ldb(p: i32) -> T { return ${loadAs("B[u32(p)]", bType, T)}; }
var<workgroup> As: array<T, ${BK * BM}>;
var<workgroup> Bs: array<T, ${BK * BN}>;
@compute @workgroup_size(${S}, ${S})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = mu(0u);
  let N = mu(1u);
  let K = mu(2u);
  let sAm = mi(3u);
  let sAk = mi(4u);
  let sBk = mi(5u);
  let sBn = mi(6u);
  let batch = wid.z + mu(7u);
  ${stridedCode(rank, 2, base, "batch", "z")}
  let obase = batch * M * N;
  let row0 = wid.y * ${BM}u;
  let col0 = wid.x * ${BN}u;
  let tx = lid.x;
  let ty = lid.y;
  let t = ty * ${S}u + tx;
  ${acc.join("\n  ")}
  for (var k0 = 0u; k0 < K; k0 = k0 + ${BK}u) {
    for (var l = 0u; l < ${TM}u; l = l + 1u) {
      let e = t + l * ${S * S}u;
      ${aIdx}
      var v = T(0);
      if (row0 + i < M && k0 + kk < K) { v = lda(i32(zp0) + i32(row0 + i) * sAm + i32(k0 + kk) * sAk); }
      As[kk * ${BM}u + i] = v;
    }
    for (var l = 0u; l < ${TN}u; l = l + 1u) {
      let e = t + l * ${S * S}u;
      ${bIdx}
      var v = T(0);
      if (col0 + j < N && k0 + kk < K) { v = ldb(i32(zp1) + i32(k0 + kk) * sBk + i32(col0 + j) * sBn); }
      Bs[kk * ${BN}u + j] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk = kk + 1u) {
      ${regs.join("\n      ")}
      ${fma.join("\n      ")}
    }
    workgroupBarrier();
  }
  ${stores.join("\n  ")}
}`;
      return wgslModule({
        T,
        paramWords: params.length,
        buffers: [
          { name: "A", type: aType },
          { name: "B", type: bType },
          { name: "out", type: outType, write: true },
        ],
        body,
      });
    };
    const z = Math.min(maxZ, batches - first);
    ctx.run(key, source, params, [bind(sa), bind(sb), bind(result)], [Math.ceil(N / BN), Math.ceil(M / BM), z]);
  }
  return result;
}
