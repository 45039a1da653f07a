import type { OutputInfo, TensorView } from "../../backend.js";
import { bind, type GpuContext } from "../context.js";
import { wgslStorageType, type WgslStorageType } from "../dtypes.js";
import { collapse } from "../layout.js";
import { contiguousStrides, sizeOf } from "../../../shape.js";
import { Params } from "../params.js";
import { gpuStorage, type WebGPUStorage } from "../storage.js";
import { loadAs, storeAs } from "../wgsl/convert.js";
import { grid, wgslModule } from "../wgsl/header.js";
import { stridedCode, writeIteration } from "../wgsl/strided.js";

/**
 * Fused softmax / log-softmax along `axis`: one pass for the row maximum, one for the sum of exponentials,
 * one to write. Rows of up to 32 elements use one thread per row; longer rows one workgroup per row with
 * workgroup-memory tree reductions. Computes in f32.
 */
export function softmax(ctx: GpuContext, log: boolean, x: TensorView, axis: number, out: OutputInfo): WebGPUStorage {
  const n = sizeOf(out.shape);
  const result = ctx.alloc(out.dtype, n, log ? "logSoftmax" : "softmax", out.shape);
  if (n === 0) return result;
  const op = log ? "logSoftmax" : "softmax";
  const src = gpuStorage(x, op);
  const outStrides = contiguousStrides(out.shape);
  const L = x.shape[axis]!;
  const rowShape: number[] = [];
  const inS: number[] = [];
  const outS: number[] = [];
  x.shape.forEach((d, i) => {
    if (i === axis) return;
    rowShape.push(d);
    inS.push(x.strides[i]!);
    outS.push(outStrides[i]!);
  });
  const it = collapse({ shape: rowShape, operands: [{ strides: inS, offset: x.offset }, { strides: outS, offset: 0 }] });
  const rows = sizeOf(rowShape);
  const params = new Params();
  params.u32(rows);
  params.u32(L);
  params.i32(x.strides[axis]!);
  params.i32(outStrides[axis]!);
  const base = writeIteration(params, it);
  const rank = it.shape.length;
  const wg = L <= 32 ? 1 : L <= 1024 ? 64 : 256;
  const inType = wgslStorageType(x.dtype);
  const outType = wgslStorageType(out.dtype);
  const spec: SoftmaxSpec = { kernel: "softmax", log, inType, outType, rank, wg, base, paramWords: params.length };
  const groups = wg === 1 ? Math.ceil(rows / 64) : rows;
  ctx.run(spec, softmaxWgsl, params, [bind(src), bind(result)], grid(groups, ctx.maxGroups));
  return result;
}

/** What the softmax WGSL depends on. */
type SoftmaxSpec = { kernel: "softmax"; log: boolean; inType: WgslStorageType; outType: WgslStorageType; rank: number; wg: number; base: number; paramWords: number };

function softmaxWgsl({ log, inType, outType, rank, wg, base, paramWords }: SoftmaxSpec): string {
  const write = log ? "v - mx - log(total)" : "exp(v - mx) / total";
  const common = `fn ld(p: u32) -> f32 { return ${loadAs("x[p]", inType, "f32")}; }
fn at(base: u32, j: u32, stride: i32) -> u32 { return u32(i32(base) + i32(j) * stride); }`;
  const body =
    wg === 1
      ? `${common}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = gid.x + gid.y * nwg.x * 64u;
  if (o >= mu(0u)) { return; }
  ${stridedCode(rank, 2, base, "o")}
  let L = mu(1u);
  let si = mi(2u);
  let so = mi(3u);
  var mx = -inf_();
  for (var j = 0u; j < L; j = j + 1u) { mx = max_(mx, ld(at(p0, j, si))); }
  var total = 0.0;
  for (var j = 0u; j < L; j = j + 1u) { total = total + exp(ld(at(p0, j, si)) - mx); }
  for (var j = 0u; j < L; j = j + 1u) {
    let v = ld(at(p0, j, si));
    let r = ${write};
    out[at(p1, j, so)] = ${storeAs("r", "f32", outType)};
  }
}`
      : `${common}
var<workgroup> sh: array<f32, ${wg}>;
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = wid.x + wid.y * nwg.x;
  if (o >= mu(0u)) { return; }
  ${stridedCode(rank, 2, base, "o")}
  let L = mu(1u);
  let si = mi(2u);
  let so = mi(3u);
  var m = -inf_();
  for (var j = lid; j < L; j = j + ${wg}u) { m = max_(m, ld(at(p0, j, si))); }
  sh[lid] = m;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sh[lid] = max_(sh[lid], sh[lid + s]); }
    workgroupBarrier();
  }
  let mx = sh[0];
  workgroupBarrier();
  var t = 0.0;
  for (var j = lid; j < L; j = j + ${wg}u) { t = t + exp(ld(at(p0, j, si)) - mx); }
  sh[lid] = t;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sh[lid] = sh[lid] + sh[lid + s]; }
    workgroupBarrier();
  }
  let total = sh[0];
  for (var j = lid; j < L; j = j + ${wg}u) {
    let v = ld(at(p0, j, si));
    let r = ${write};
    out[at(p1, j, so)] = ${storeAs("r", "f32", outType)};
  }
}`;
  return wgslModule({
    T: "f32",
    paramWords,
    buffers: [
      { name: "x", type: inType },
      { name: "out", type: outType, write: true },
    ],
    body,
  });
}
