import type { OutputInfo, TensorView } from "../../backend.js";
import { bind, type GpuContext } from "../context.js";
import type { Binding } from "../queue.js";
import { wgslComputeType, wgslStorageType, type WgslComputeType, type WgslStorageType } from "../dtypes.js";
import { broadcastTo, collapse } from "../layout.js";
import { sizeOf } from "../../../shape.js";
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
type MatmulShape = {
  readonly kernel: "matmul";
  readonly S: number;
  readonly TM: number;
  readonly TN: number;
  readonly aKFast: boolean;
  readonly bNFast: boolean;
  /** A is read as vec4 along its contiguous dim (K when aKFast, else M); needs TM = 4 for M. */
  readonly aVec: boolean;
  /** B is read as vec4 along its contiguous dim (N when bNFast, else K); needs TN = 4 for N. */
  readonly bVec: boolean;
  /** Output rows are written as vec4 (TN = 4, N % 4 == 0). */
  readonly outVec: boolean;
  readonly T: WgslComputeType;
  readonly aType: WgslStorageType;
  readonly bType: WgslStorageType;
  readonly outType: WgslStorageType;
  readonly rank: number;
  readonly base: number;
  readonly paramWords: number;
};

/** WGSL vector type of `n` lanes of `T` (the scalar for one lane). */
function vec(n: number): string {
  return n === 1 ? "T" : `vec${n}<T>`;
}

/** Lane `i` of a value of `vec(n)`. */
function lane(v: string, n: number, i: number): string {
  return n === 1 ? v : `${v}[${i}]`;
}

/**
 * Staging of A's BK x BM slice with one vec4 load per thread (TM = 4, so the tile holds S*S vectors):
 * along K when A is K-contiguous (four workgroup writes, one per k), else along M (one vec4 write).
 * Element indices are multiples of 4 (`vecOperand` checked the strides and offset), and the vector's
 * dimension is a multiple of 4, so a vector is either wholly inside the matrix or wholly outside.
 */
function vecStageA(m: MatmulShape): string {
  const { S } = m;
  const BM = S * 4;
  if (m.aKFast) {
    const writes = [0, 1, 2, 3].map((q) => `As[(kk + ${q}u) * ${BM / 4}u + i / 4u][i % 4u] = v[${q}];`).join(" ");
    return `{
      let kk = (t % ${S / 4}u) * 4u; let i = t / ${S / 4}u;
      var v = vec4<T>(0);
      if (row0 + i < M && k0 + kk < K) { v = A[u32(i32(zp0) + i32(row0 + i) * sAm + i32(k0 + kk)) / 4u]; }
      ${writes}
    }`;
  }
  return `{
      let ig = t % ${S}u; let kk = t / ${S}u;
      var v = vec4<T>(0);
      if (row0 + ig * 4u < M && k0 + kk < K) { v = A[u32(i32(zp0) + i32(row0 + ig * 4u) + i32(k0 + kk) * sAk) / 4u]; }
      As[kk * ${BM / 4}u + ig] = v;
    }`;
}

/** Staging of B's BK x BN slice with one vec4 load per thread (TN = 4): along N or along K, as for A. */
function vecStageB(m: MatmulShape): string {
  const { S } = m;
  const BN = S * 4;
  if (m.bNFast) {
    return `{
      let jg = t % ${S}u; let kk = t / ${S}u;
      var v = vec4<T>(0);
      if (col0 + jg * 4u < N && k0 + kk < K) { v = B[u32(i32(zp1) + i32(k0 + kk) * sBk + i32(col0 + jg * 4u)) / 4u]; }
      Bs[kk * ${BN / 4}u + jg] = v;
    }`;
  }
  const writes = [0, 1, 2, 3].map((q) => `Bs[(kk + ${q}u) * ${BN / 4}u + j / 4u][j % 4u] = v[${q}];`).join(" ");
  return `{
      let kk = (t % ${S / 4}u) * 4u; let j = t / ${S / 4}u;
      var v = vec4<T>(0);
      if (col0 + j < N && k0 + kk < K) { v = B[u32(i32(zp1) + i32(k0 + kk) + i32(col0 + j) * sBn) / 4u]; }
      ${writes}
    }`;
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
  const vecStores: string[] = [];
  for (let i = 0; i < TM; i++) {
    acc.push(`var acc${i} = ${vec(TN)}(0);`);
    vecStores.push(`if (r0 + ${i}u < M && c0 < N) { out[(obase + (r0 + ${i}u) * N + c0) / 4u] = acc${i}; }`);
    fma.push(`acc${i} = acc${i} + ${lane("a", TM, i)} * b;`);
    for (let j = 0; j < TN; j++) {
      stores.push(`if (r0 + ${i}u < M && c0 + ${j}u < N) { out[obase + (r0 + ${i}u) * N + c0 + ${j}u] = ${storeAs(lane(`acc${i}`, TN, j), T, m.outType)}; }`);
    }
  }
  const aIdx = m.aKFast ? `let kk = e % ${BK}u; let i = e / ${BK}u;` : `let i = e % ${BM}u; let kk = e / ${BM}u;`;
  const bIdx = m.bNFast ? `let j = e % ${BN}u; let kk = e / ${BN}u;` : `let kk = e % ${BK}u; let j = e / ${BK}u;`;
  const aStore = TM === 1 ? `As[kk * ${BM}u + i] = v;` : `As[kk * ${BM / TM}u + i / ${TM}u][i % ${TM}u] = v;`;
  const bStore = TN === 1 ? `Bs[kk * ${BN}u + j] = v;` : `Bs[kk * ${BN / TN}u + j / ${TN}u][j % ${TN}u] = v;`;
  const scalarStageA = `for (var l = 0u; l < ${TM}u; l = l + 1u) {
      let e = t + l * ${S * S}u;
      ${aIdx}
      var v = T(0);
      if (row0 + i < M && k0 + kk < K) { v = lda(i32(zp0) + i32(row0 + i) * sAm + i32(k0 + kk) * sAk); }
      ${aStore}
    }`;
  const scalarStageB = `for (var l = 0u; l < ${TN}u; l = l + 1u) {
      let e = t + l * ${S * S}u;
      ${bIdx}
      var v = T(0);
      if (col0 + j < N && k0 + kk < K) { v = ldb(i32(zp1) + i32(k0 + kk) * sBk + i32(col0 + j) * sBn); }
      ${bStore}
    }`;
  const body = `${m.aVec ? "" : `fn lda(p: i32) -> T { return ${loadAs("A[u32(p)]", m.aType, T)}; }`}
${m.bVec ? "" : `fn ldb(p: i32) -> T { return ${loadAs("B[u32(p)]", m.bType, T)}; }`}
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
    ${m.aVec ? vecStageA(m) : scalarStageA}
    ${m.bVec ? vecStageB(m) : scalarStageB}
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
  ${m.outVec ? vecStores.join("\n  ") : stores.join("\n  ")}
}`;
  return wgslModule({
    T,
    paramWords: m.paramWords,
    buffers: [
      { name: "A", type: m.aVec ? "vec4<f32>" : m.aType },
      { name: "B", type: m.bVec ? "vec4<f32>" : m.bType },
      { name: "out", type: m.outVec ? "vec4<f32>" : m.outType, write: true },
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
  const total = sizeOf(out.shape);
  const result = ctx.alloc(out.dtype, total, "matmul", out.shape);
  if (total === 0) return result;
  const sa = gpuStorage(a, "matmul");
  const sb = gpuStorage(b, "matmul");
  const batchShape = out.shape.slice(0, -2);
  const aBatch = broadcastTo(a.shape.slice(0, -2), a.strides.slice(0, -2), batchShape);
  const bBatch = broadcastTo(b.shape.slice(0, -2), b.strides.slice(0, -2), batchShape);
  const it = collapse({ shape: batchShape, operands: [{ strides: aBatch, offset: a.offset }, { strides: bBatch, offset: b.offset }] });
  const batches = sizeOf(batchShape);
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
  const f32 = T === "f32" && aType === "f32" && bType === "f32";
  const aBatchStrides = it.shape.length ? it.operands[0]!.strides : [];
  const bBatchStrides = it.shape.length ? it.operands[1]!.strides : [];
  const aVec =
    f32 && TM === 4 && vecOperand(a.offset, aBatchStrides, aKFast ? sAk : sAm, aKFast ? sAm : sAk, aKFast ? K : M, sa.bindSize);
  const bVec =
    f32 && TN === 4 && vecOperand(b.offset, bBatchStrides, bNFast ? sBn : sBk, bNFast ? sBk : sBn, bNFast ? N : K, sb.bindSize);
  const outVec = T === "f32" && outType === "f32" && TN === 4 && N % 4 === 0;
  const aBind = aVec ? vecBinding(sa) : bind(sa);
  const bBind = bVec ? vecBinding(sb) : bind(sb);
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
    const spec: MatmulShape = { kernel: "matmul", S, TM, TN, aKFast, bNFast, aVec, bVec, outVec, T, aType, bType, outType, rank, base, paramWords: params.length };
    const z = Math.min(maxZ, batches - first);
    ctx.run(spec, matmulSource, params, [aBind, bBind, bind(result)], [Math.ceil(N / BN), Math.ceil(M / BM), z]);
  }
  return result;
}

/**
 * True when an operand can be read as vec4 along its contiguous dimension: unit stride there, that
 * dimension's size a multiple of 4, and the other matrix stride, every batch stride and the offset
 * multiples of 4 (so every vector starts at an element index divisible by 4).
 */
function vecOperand(offset: number, batchStrides: readonly number[], fastStride: number, slowStride: number, fastSize: number, bytes: number): boolean {
  return (
    fastStride === 1 &&
    fastSize % 4 === 0 &&
    slowStride % 4 === 0 &&
    offset % 4 === 0 &&
    batchStrides.every((st) => st % 4 === 0) &&
    bytes >= 16
  );
}

/** A binding of a storage as whole vec4s (the vectors a kernel reads lie wholly inside the storage). */
function vecBinding(s: WebGPUStorage): Binding {
  return { buffer: s.buffer, size: Math.floor(s.bindSize / 16) * 16 };
}
