import type { KernelAttrs, OutputInfo, TensorView } from "../../backend.js";
import { bind, type GpuContext } from "../context.js";
import { wgslStorageType, type WgslStorageType } from "../dtypes.js";
import { collapse } from "../layout.js";
import { sizeOf } from "../../../shape.js";
import { Params } from "../params.js";
import { gpuStorage, type WebGPUStorage } from "../storage.js";
import { loadAs, storeAs } from "../wgsl/convert.js";
import { grid, wgslModule, type BufferDecl } from "../wgsl/header.js";
import { stridedCode, writeIteration } from "../wgsl/strided.js";

/** Query rows per workgroup (one thread each). */
const BQ = 64;

/** Head dims are padded to a multiple of this for the private arrays (one pipeline per padded size). */
const DIM_STEP = 16;

const pad = (d: number) => Math.max(DIM_STEP, Math.ceil(d / DIM_STEP) * DIM_STEP);

/**
 * Flash-style fused attention: a workgroup takes BQ query rows of one batch entry (a thread per row, its q
 * row and output accumulator in private vec4 arrays, head dims zero-padded to a multiple of 16) and walks the keys in tiles that the workgroup loads into
 * workgroup memory (K and V), keeping a running max and sum per row (online softmax), so the [Lq, Lk]
 * scores never reach memory. Causal workgroups stop at their last visible key. Masked scores (-inf) weigh
 * exactly 0 without -inf arithmetic; a row with no visible key is NaN, as the unfused softmax gives.
 * Head dims up to MAX_FUSED_HEAD_DIM (the op runs a composite above that). Computes in f32.
 */
export function attention(ctx: GpuContext, inputs: readonly TensorView[], attrs: KernelAttrs["attention"], out: OutputInfo): WebGPUStorage {
  const [q, k, v, m] = inputs as [TensorView, TensorView, TensorView, TensorView | undefined];
  const n = sizeOf(out.shape);
  const result = ctx.alloc(out.dtype, n, "attention", out.shape);
  if (n === 0) return result;
  const r = out.shape.length;
  const batchShape = out.shape.slice(0, r - 2);
  const [Lq, Dv] = [out.shape[r - 2]!, out.shape[r - 1]!];
  const [Lk, D] = [k.shape[r - 2]!, k.shape[r - 1]!];
  const DP = pad(D), DVP = pad(Dv);
  const storage = Math.min(ctx.limits.maxComputeWorkgroupStorageSize, 32768);
  const BK = Math.max(1, Math.min(32, Math.floor(storage / 4 / (DP + DVP))));
  const views = m ? [q, k, v, m] : [q, k, v];
  const batchIt = collapse({ shape: batchShape, operands: views.map((t) => ({ strides: t.strides.slice(0, r - 2), offset: t.offset })) });
  const batches = sizeOf(batchShape);
  const qBlocks = Math.ceil(Lq / BQ);
  const params = new Params();
  params.u32(batches * qBlocks); // 0
  params.u32(Lq); // 1
  params.u32(Lk); // 2
  params.u32(D); // 3
  params.u32(Dv); // 4
  params.u32(qBlocks); // 5
  params.f32(attrs.scale); // 6
  for (const t of views) {
    params.i32(t.strides[r - 2]!); // 7, 9, 11, 13: row strides
    params.i32(t.strides[r - 1]!); // 8, 10, 12, 14: column strides
  }
  const base = writeIteration(params, batchIt);
  const T = wgslStorageType(q.dtype);
  const M = m ? wgslStorageType(m.dtype) : null;
  const outType = wgslStorageType(out.dtype);
  const spec: AttentionSpec = {
    kernel: "attention", T, M, outType, mask: attrs.mask, causal: attrs.causal, batchRank: batchIt.shape.length, nViews: views.length,
    DP, DVP, BK, base, paramWords: params.length,
  };
  const bindings = views.map((t) => bind(gpuStorage(t, "attention")));
  bindings.push(bind(result));
  ctx.run(spec, attentionWgsl, params, bindings, grid(batches * qBlocks, ctx.maxGroups));
  return result;
}

/** What the attention WGSL depends on. */
type AttentionSpec = {
  kernel: "attention"; T: WgslStorageType; M: WgslStorageType | null; outType: WgslStorageType; mask: "none" | "bool" | "add"; causal: boolean;
  batchRank: number; nViews: number; DP: number; DVP: number; BK: number; base: number; paramWords: number;
};

function attentionWgsl({ T, M, outType, mask, causal, batchRank, nViews, DP, DVP, BK, base, paramWords }: AttentionSpec): string {
  const maskCode =
    mask === "bool"
      ? `if (mk[u32(i32(b_p3) + i32(i) * mi(13u) + i32(j) * mi(14u))] == 0u) { s = ninf; }`
      : mask === "add"
        ? `s = s + ${loadAs("mk[u32(i32(b_p3) + i32(i) * mi(13u) + i32(j) * mi(14u))]", M!, "f32")};`
        : "";
  const body = `fn isninf(x: f32) -> bool { return bitcast<u32>(x) == 0xff800000u; }
var<workgroup> kt: array<vec4<f32>, ${(BK * DP) / 4}>;
var<workgroup> vt: array<vec4<f32>, ${(BK * DVP) / 4}>;
@compute @workgroup_size(${BQ})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x + wid.y * nwg.x;
  if (w >= mu(0u)) { return; }
  let Lq = mu(1u);
  let Lk = mu(2u);
  let D = mu(3u);
  let Dv = mu(4u);
  let qb = w % mu(5u);
  let bi = w / mu(5u);
  let scale = mf(6u);
  let ninf = -inf_();
  ${stridedCode(batchRank, nViews, base, "bi", "b_")}
  let i = qb * ${BQ}u + lid;
  let live = i < Lq;
  var qr: array<vec4<f32>, ${DP / 4}>;
  var acc: array<vec4<f32>, ${DVP / 4}>;
  var sc: array<f32, ${BK}>;
  for (var c = 0u; c < ${DP / 4}u; c = c + 1u) {
    var t = vec4<f32>(0.0);
    for (var u = 0u; u < 4u; u = u + 1u) {
      let d = c * 4u + u;
      if (live && d < D) { t[u] = ${loadAs("q[u32(i32(b_p0) + i32(i) * mi(7u) + i32(d) * mi(8u))]", T, "f32")}; }
    }
    qr[c] = t;
  }
  for (var c = 0u; c < ${DVP / 4}u; c = c + 1u) { acc[c] = vec4<f32>(0.0); }
  var mx = ninf;
  var l = 0.0;
  let kEnd = ${causal ? `min(Lk, qb * ${BQ}u + ${BQ}u)` : "Lk"};
  for (var t0 = 0u; t0 < kEnd; t0 = t0 + ${BK}u) {
    let nk = min(${BK}u, kEnd - t0);
    workgroupBarrier();
    for (var e = lid; e < nk * ${DP / 4}u; e = e + ${BQ}u) {
      let j = t0 + e / ${DP / 4}u;
      let d0 = (e % ${DP / 4}u) * 4u;
      var t = vec4<f32>(0.0);
      for (var u = 0u; u < 4u; u = u + 1u) {
        let d = d0 + u;
        if (d < D) { t[u] = ${loadAs("k[u32(i32(b_p1) + i32(j) * mi(9u) + i32(d) * mi(10u))]", T, "f32")}; }
      }
      kt[e] = t;
    }
    for (var e = lid; e < nk * ${DVP / 4}u; e = e + ${BQ}u) {
      let j = t0 + e / ${DVP / 4}u;
      let d0 = (e % ${DVP / 4}u) * 4u;
      var t = vec4<f32>(0.0);
      for (var u = 0u; u < 4u; u = u + 1u) {
        let d = d0 + u;
        if (d < Dv) { t[u] = ${loadAs("v[u32(i32(b_p2) + i32(j) * mi(11u) + i32(d) * mi(12u))]", T, "f32")}; }
      }
      vt[e] = t;
    }
    workgroupBarrier();
    if (live) {
      var mt = ninf;
      for (var kk = 0u; kk < nk; kk = kk + 1u) {
        let j = t0 + kk;
        var s = 0.0;
        for (var c = 0u; c < ${DP / 4}u; c = c + 1u) { s = s + dot(qr[c], kt[kk * ${DP / 4}u + c]); }
        s = s * scale;
        ${causal ? "if (j > i) { s = ninf; }" : ""}
        ${maskCode}
        sc[kk] = s;
        mt = max(mt, s);
      }
      let mn = max(mx, mt);
      if (!isninf(mn)) {
        let corr = select(exp(mx - mn), 0.0, isninf(mx));
        l = l * corr;
        for (var c = 0u; c < ${DVP / 4}u; c = c + 1u) { acc[c] = acc[c] * corr; }
        for (var kk = 0u; kk < nk; kk = kk + 1u) {
          let p = select(exp(sc[kk] - mn), 0.0, isninf(sc[kk]));
          l = l + p;
          for (var c = 0u; c < ${DVP / 4}u; c = c + 1u) { acc[c] = acc[c] + p * vt[kk * ${DVP / 4}u + c]; }
        }
        mx = mn;
      }
    }
  }
  if (live) {
    let o = (bi * Lq + i) * Dv;
    for (var d = 0u; d < Dv; d = d + 1u) {
      let y = select(acc[d / 4u][d % 4u] / l, nan_(), l == 0.0);
      out[o + d] = ${storeAs("y", "f32", outType)};
    }
  }
}`;
  const buffers: BufferDecl[] = [
    { name: "q", type: T },
    { name: "k", type: T },
    { name: "v", type: T },
  ];
  if (M) buffers.push({ name: "mk", type: M });
  buffers.push({ name: "out", type: outType, write: true });
  return wgslModule({ T: "f32", paramWords, buffers, body });
}
