import type { OutputInfo, TensorView } from "../../backend.js";
import { bind, type GpuContext } from "../context.js";
import { wgslComputeType, wgslStorageType, type WgslComputeType, type WgslStorageType } from "../dtypes.js";
import { collapse } from "../layout.js";
import { sizeOf } from "../../../shape.js";
import { Params } from "../params.js";
import { gpuStorage, type WebGPUStorage } from "../storage.js";
import { loadAs, storeAs } from "../wgsl/convert.js";
import { grid, wgslModule } from "../wgsl/header.js";
import { stridedCode, writeIteration } from "../wgsl/strided.js";

/** The reductions over several axes. */
type ReduceOp = "sum" | "prod" | "max" | "min";

const COMBINE: Record<ReduceOp, (a: string, b: string) => string> = {
  sum: (a, b) => `${a} + ${b}`,
  prod: (a, b) => `${a} * ${b}`,
  max: (a, b) => `max_(${a}, ${b})`,
  min: (a, b) => `min_(${a}, ${b})`,
};

/** Threads per workgroup of the workgroup-per-output variants. */
const TREE = 256;

/** Identity of a reduction in compute type `T`, as uniform bits. */
function identityBits(op: ReduceOp | "argmax" | "argmin", T: WgslComputeType): number {
  const p = new Params();
  if (op === "sum") p.value(0, T);
  else if (op === "prod") p.value(1, T);
  else if (op === "max" || op === "argmax") T === "f32" ? p.f32(-Infinity) : p.i32(-2147483648);
  else T === "f32" ? p.f32(Infinity) : p.i32(2147483647);
  return p.toArray()[0]!;
}

/** Splits the dimensions of `x` into kept ones (iterated per output element) and reduced ones. */
function splitAxes(x: TensorView, axes: readonly number[]) {
  const set = new Set(axes);
  const kept = { shape: [] as number[], strides: [] as number[] };
  const red = { shape: [] as number[], strides: [] as number[] };
  x.shape.forEach((n, d) => {
    const into = set.has(d) ? red : kept;
    into.shape.push(n);
    into.strides.push(x.strides[d]!);
  });
  const keptIt = collapse({ shape: kept.shape, operands: [{ strides: kept.strides, offset: x.offset }] });
  const redIt = collapse({ shape: red.shape, operands: [{ strides: red.strides, offset: 0 }] });
  return { keptIt, redIt, M: sizeOf(kept.shape), R: sizeOf(red.shape) };
}

/** True when one workgroup per output element (tree reduction) beats one thread per output element. */
function useTree(M: number, R: number): boolean {
  return R >= 256 || (R > 16 && M < 1024);
}

/**
 * What both reduction kernels set up: the output, and (when it is not empty) the input binding and the uniforms
 * (M outputs, R inputs per output, the identity, then the kept and reduced iteration spaces).
 */
function prepare(ctx: GpuContext, op: ReduceOp | "argmax" | "argmin", x: TensorView, axes: readonly number[], out: OutputInfo, T: WgslComputeType) {
  const { keptIt, redIt, M, R } = splitAxes(x, axes);
  const result = ctx.alloc(out.dtype, M, op, out.shape);
  if (M === 0) return { result, run: null };
  const src = gpuStorage(x, op);
  const params = new Params();
  params.u32(M);
  params.u32(R);
  params.u32(identityBits(op, T));
  const kBase = writeIteration(params, keptIt);
  const rBase = writeIteration(params, redIt);
  const run = { result, M, R, src, params, kBase, rBase, kr: keptIt.shape.length, rr: redIt.shape.length, tree: useTree(M, R) };
  return { result, run };
}

/**
 * sum / prod / max / min over sorted `axes` (output keeps them as size-1 dims). Small reductions use one
 * thread per output element; large ones one workgroup per output element with a workgroup-memory tree.
 * Floats accumulate in f32 (float16 too); max/min propagate NaN.
 */
export function reduce(ctx: GpuContext, op: ReduceOp, x: TensorView, axes: readonly number[], out: OutputInfo): WebGPUStorage {
  const T = wgslComputeType(out.dtype);
  const s = prepare(ctx, op, x, axes, out, T);
  if (!s.run) return s.result;
  const { result, M, R, src, params, kBase, rBase, kr, rr, tree } = s.run;
  const inType = wgslStorageType(x.dtype);
  const outType = wgslStorageType(out.dtype);
  const spec: ReduceSpec = { kernel: "reduce", op, T, inType, outType, kr, rr, tree, kBase, rBase, paramWords: params.length };
  ctx.run(spec, reduceWgsl, params, [bind(src), bind(result)], grid(tree ? M : Math.ceil(M / 64), ctx.maxGroups));
  return result;
}

/**
 * Index (int32) of the first maximum / minimum along `axis`; NaN counts as the extreme (as in PyTorch).
 */
export function argReduce(ctx: GpuContext, op: "argmax" | "argmin", x: TensorView, axis: number, out: OutputInfo): WebGPUStorage {
  const T = wgslComputeType(x.dtype);
  const s = prepare(ctx, op, x, [axis], { shape: out.shape, dtype: "int32" }, T);
  if (!s.run) return s.result;
  const { result, M, R, src, params, kBase, rBase, kr, rr, tree } = s.run;
  const inType = wgslStorageType(x.dtype);
  const spec: ArgReduceSpec = { kernel: "arg", op, T, inType, kr, rr, tree, kBase, rBase, paramWords: params.length };
  ctx.run(spec, argReduceWgsl, params, [bind(src), bind(result)], grid(tree ? M : Math.ceil(M / 64), ctx.maxGroups));
  return result;
}

/** What the reduction WGSL depends on. */
type ReduceSpec = { kernel: "reduce"; op: ReduceOp; T: WgslComputeType; inType: WgslStorageType; outType: WgslStorageType; kr: number; rr: number; tree: boolean; kBase: number; rBase: number; paramWords: number };

function reduceWgsl({ op, T, inType, outType, kr, rr, tree, kBase, rBase, paramWords }: ReduceSpec): string {
  const c = COMBINE[op];
  const load = `ld(kp0 + qp0)`;
  const common = `fn ld(p: u32) -> T { return ${loadAs("x[p]", inType, T)}; }`;
  const inner = `${stridedCode(rr, 1, rBase, "r", "q")}
      acc = ${c("acc", load)};`;
  const body = tree
    ? `${common}
var<workgroup> sh: array<T, ${TREE}>;
${reductionMain(true, kr, kBase)}
  var acc = bitcast<T>(mu(2u));
  for (var r = lid; r < mu(1u); r = r + ${TREE}u) {
    ${inner}
  }
  sh[lid] = acc;
  workgroupBarrier();
  for (var s = ${TREE / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sh[lid] = ${c("sh[lid]", "sh[lid + s]")}; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[o] = ${storeAs("sh[0]", T, outType)}; }
}`
    : `${common}
${reductionMain(false, kr, kBase)}
  var acc = bitcast<T>(mu(2u));
  for (var r = 0u; r < mu(1u); r = r + 1u) {
    ${inner}
  }
  out[o] = ${storeAs("acc", T, outType)};
}`;
  return wgslModule({
    T,
    paramWords,
    buffers: [
      { name: "x", type: inType },
      { name: "out", type: outType, write: true },
    ],
    body,
  });
}

/** What the argmax / argmin WGSL depends on. */
type ArgReduceSpec = { kernel: "arg"; op: "argmax" | "argmin"; T: WgslComputeType; inType: WgslStorageType; kr: number; rr: number; tree: boolean; kBase: number; rBase: number; paramWords: number };

function argReduceWgsl({ op, T, inType, kr, rr, tree, kBase, rBase, paramWords }: ArgReduceSpec): string {
  const cmp = op === "argmax" ? ">" : "<";
  const common = `fn ld(p: u32) -> T { return ${loadAs("x[p]", inType, T)}; }
fn better(v: T, i: u32, bv: T, bi: u32) -> bool {
  let vn = isnan_(v);
  let bn = isnan_(bv);
  if (vn != bn) { return vn; }
  if (vn || v == bv) { return i < bi; }
  return v ${cmp} bv;
}`;
  const inner = `${stridedCode(rr, 1, rBase, "r", "q")}
    let v = ld(kp0 + qp0);
    if (better(v, r, bv, bi)) { bv = v; bi = r; }`;
  const body = tree
    ? `${common}
var<workgroup> shv: array<T, ${TREE}>;
var<workgroup> shi: array<u32, ${TREE}>;
${reductionMain(true, kr, kBase)}
  var bv = bitcast<T>(mu(2u));
  var bi = 0xffffffffu;
  for (var r = lid; r < mu(1u); r = r + ${TREE}u) {
    ${inner}
  }
  shv[lid] = bv;
  shi[lid] = bi;
  workgroupBarrier();
  for (var s = ${TREE / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s && better(shv[lid + s], shi[lid + s], shv[lid], shi[lid])) {
      shv[lid] = shv[lid + s];
      shi[lid] = shi[lid + s];
    }
    workgroupBarrier();
  }
  if (lid == 0u) { out[o] = i32(shi[0]); }
}`
    : `${common}
${reductionMain(false, kr, kBase)}
  var bv = bitcast<T>(mu(2u));
  var bi = 0xffffffffu;
  for (var r = 0u; r < mu(1u); r = r + 1u) {
    ${inner}
  }
  out[o] = i32(bi);
}`;
  return wgslModule({
    T,
    paramWords,
    buffers: [
      { name: "x", type: inType },
      { name: "out", type: "i32", write: true },
    ],
    body,
  });
}

/**
 * The opening of a reduction's `main` up to the output element's position: one workgroup of TREE threads
 * (tree) or one thread (flat) per output element `o`, its kept-dims position in `kp0`.
 */
function reductionMain(tree: boolean, kr: number, kBase: number): string {
  return tree
    ? `@compute @workgroup_size(${TREE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = wid.x + wid.y * nwg.x;
  if (o >= mu(0u)) { return; }
  ${stridedCode(kr, 1, kBase, "o", "k")}`
    : `@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = gid.x + gid.y * nwg.x * 64u;
  if (o >= mu(0u)) { return; }
  ${stridedCode(kr, 1, kBase, "o", "k")}`;
}
