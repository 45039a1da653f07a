import type { OutputInfo, TensorView } from "../../backend.js";
import { bind, type GpuContext } from "../context.js";
import { wgslComputeType, wgslStorageType, type WgslComputeType, type WgslStorageType } from "../dtypes.js";
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

/** What the generated matmul kernel depends on. */
interface MatmulShape {
  readonly S: number;
  readonly TM: number;
  readonly TN: number;
  readonly aKFast: boolean;
  readonly bNFast: boolean;
  readonly T: WgslComputeType;
  readonly aType: WgslStorageType;
  readonly bType: WgslStorageType;
  readonly outType: WgslStorageType;
  readonly rank: number;
  readonly base: number;
  readonly paramWords: number;
}

/** WGSL vector type of `n` lanes of `T` (the scalar for one lane). */
function vec(n: number): string {
  return n === 1 ? "T" : `vec${n}<T>`;
}

/** Lane `i` of a value of `vec(n)`. */
function lane(v: string, n: number, i: number): string {
  return n === 1 ? v : `${v}[${i}]`;
}

/**
 * The tiled kernel. Workgroup memory holds a BK x BM slice of A and a BK x BN slice of B as vectors of TM
 * (resp. TN) lanes, so each step of the inner loop is one vector load of A, one of B and TM vector
 * multiply-adds into the thread's TM x TN register tile (rows ty*TM.., columns tx*TN..).
 */
function matmulSource(m: MatmulShape): string {
  const { S, TM, TN, T } = m;
  const BM = S * TM;
  const BN = S * TN;
  const BK = S;
  const acc: string[] = [];
  const fma: string[] = [];
  const stores: string[] = [];
  for (let i = 0; i < TM; i++) {
    acc.push(`var acc${i} = ${vec(TN)}(0);`);
    fma.push(`acc${i} = acc${i} + ${lane("a", TM, i)} * b;`);
    for (let j = 0; j < TN; j++) {
      stores.push(`if (r0 + ${i}u < M && c0 + ${j}u < N) { out[obase + (r0 + ${i}u) * N + c0 + ${j}u] = ${storeAs(lane(`acc${i}`, TN, j), T, m.outType)}; }`);
    }
  }
  const aIdx = m.aKFast ? `let kk = e % ${BK}u; let i = e / ${BK}u;` : `let i = e % ${BM}u; let kk = e / ${BM}u;`;
  const bIdx = m.bNFast ? `let j = e % ${BN}u; let kk = e / ${BN}u;` : `let kk = e % ${BK}u; let j = e / ${BK}u;`;
  const aStore = TM === 1 ? `As[kk * ${BM}u + i] = v;` : `As[kk * ${BM / TM}u + i / ${TM}u][i % ${TM}u] = v;`;
  const bStore = TN === 1 ? `Bs[kk * ${BN}u + j] = v;` : `Bs[kk * ${BN / TN}u + j / ${TN}u][j % ${TN}u] = v;`;
  const body = `fn lda(p: i32) -> T { return ${loadAs("A[u32(p)]", m.aType, T)}; }
fn ldb(p: i32) -> T { return ${loadAs("B[u32(p)]", m.bType, T)}; }
var<workgroup> As: array<${vec(TM)}, ${(BK * BM) / TM}>;
var<workgroup> Bs: array<${vec(TN)}, ${(BK * BN) / TN}>;
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
  ${stridedCode(m.rank, 2, m.base, "batch", "z")}
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
      ${aStore}
    }
    for (var l = 0u; l < ${TN}u; l = l + 1u) {
      let e = t + l * ${S * S}u;
      ${bIdx}
      var v = T(0);
      if (col0 + j < N && k0 + kk < K) { v = ldb(i32(zp1) + i32(k0 + kk) * sBk + i32(col0 + j) * sBn); }
      ${bStore}
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk = kk + 1u) {
      let a = As[kk * ${BM / TM}u + ty];
      let b = Bs[kk * ${BN / TN}u + tx];
      ${fma.join("\n      ")}
    }
    workgroupBarrier();
  }
  let r0 = row0 + ty * ${TM}u;
  let c0 = col0 + tx * ${TN}u;
  ${stores.join("\n  ")}
}`;
  return wgslModule({
    T,
    paramWords: m.paramWords,
    buffers: [
      { name: "A", type: m.aType },
      { name: "B", type: m.bType },
      { name: "out", type: m.outType, write: true },
    ],
    body,
  });
}

/**
 * Batched matmul [..., m, k] @ [..., k, n] with a tiled kernel: an S x S workgroup (S = 16, or 8 where the
 * device allows fewer than 256 invocations) computes a (S*TM) x (S*TN) output tile, each thread a TM x TN
 * register tile held in vectors, staging S-deep slices of both operands in workgroup memory. Operands are
 * read through their strides, so transposed, broadcast (stride-0 batch) and flipped views need no copy; the
 * staging loads follow whichever operand dimension is contiguous so global reads coalesce.
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
  const key = `matmul2|${T}|${aType},${bType}>${outType}|r${rank}|S${S}|${TM}x${TN}|${aKFast ? "ak" : "am"}${bNFast ? "bn" : "bk"}`;
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
    const source = () => matmulSource({ S, TM, TN, aKFast, bNFast, T, aType, bType, outType, rank, base, paramWords: params.length });
    const z = Math.min(maxZ, batches - first);
    ctx.run(key, source, params, [bind(sa), bind(sb), bind(result)], [Math.ceil(N / BN), Math.ceil(M / BM), z]);
  }
  return result;
}
