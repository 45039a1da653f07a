import type { KernelAttrs, OutputInfo, TensorView } from "../../backend.js";
import { bind, type GpuContext } from "../context.js";
import { wgslStorageType, type WgslStorageType } from "../dtypes.js";
import { collapse, type Iteration } from "../layout.js";
import { sizeOf } from "../../../shape.js";
import { Params } from "../params.js";
import { gpuStorage, type WebGPUStorage } from "../storage.js";
import { loadAs, storeAs } from "../wgsl/convert.js";
import { grid, wgslModule, type BufferDecl } from "../wgsl/header.js";
import { stridedCode, writeIteration } from "../wgsl/strided.js";
import { rowStatsMain, workgroupSumFn } from "../wgsl/row-stats.js";

/** What differs between layer norm and group norm around the shared row kernel. */
interface RowNormSpec {
  readonly op: "layerNorm" | "groupNorm";
  readonly x: TensorView;
  readonly weight?: TensorView;
  readonly bias?: TensorView;
  /** Rows: their shape and x's strides (with x's offset). */
  readonly rows: Iteration;
  /**
   * Elements of a row: their shape and the strides of x (offset 0), then (layer norm) of the weight and the
   * bias, each with its own offset.
   */
  readonly inner: Iteration;
  readonly eps: number;
  readonly activation: "none" | "silu";
  /** Group norm: groups, channels per group and spatial size (the weight is read per channel). */
  readonly groups?: { readonly G: number; readonly cg: number; readonly S: number };
}

/**
 * Normalises rows with one workgroup per row: a workgroup-memory tree reduction for the mean, a second pass
 * for the biased variance of the deviations (numerically sound two-pass), then a third pass writing
 * (x - mean) * rstd, the affine and the activation. Computes in f32 for f32 and f16 storage.
 */
function rowNorm(ctx: GpuContext, spec: RowNormSpec, out: OutputInfo): WebGPUStorage {
  const n = sizeOf(out.shape);
  const result = ctx.alloc(out.dtype, n, spec.op, out.shape);
  if (n === 0) return result;
  const rowsIt = collapse(spec.rows);
  const innerIt = collapse(spec.inner);
  const rows = sizeOf(spec.rows.shape);
  const L = sizeOf(spec.inner.shape);
  const params = new Params();
  params.u32(rows);
  params.u32(L);
  params.f32(spec.eps);
  const g = spec.groups;
  const wp = spec.weight, bp = spec.bias;
  if (g) {
    params.u32(g.G);
    params.u32(g.cg);
    params.u32(g.S);
    params.i32(wp?.offset ?? 0);
    params.i32(wp?.strides[0] ?? 0);
    params.i32(bp?.offset ?? 0);
    params.i32(bp?.strides[0] ?? 0);
  }
  const rowBase = writeIteration(params, rowsIt);
  const innerBase = writeIteration(params, innerIt);
  const wg = L <= 512 ? 64 : 256;
  const xType = wgslStorageType(spec.x.dtype);
  const outType = wgslStorageType(out.dtype);
  const wgsl: RowNormWgslSpec = {
    kernel: spec.op, xType, outType, rowRank: rowsIt.shape.length, innerRank: innerIt.shape.length, nInner: innerIt.operands.length, wg,
    weight: !!wp, bias: !!bp, grouped: !!g, activation: spec.activation, rowBase, innerBase, paramWords: params.length,
  };
  const bindings = [bind(gpuStorage(spec.x, spec.op))];
  if (wp) bindings.push(bind(gpuStorage(wp, spec.op)));
  if (bp) bindings.push(bind(gpuStorage(bp, spec.op)));
  bindings.push(bind(result));
  ctx.run(wgsl, rowNormWgsl, params, bindings, grid(rows, ctx.maxGroups));
  return result;
}

/** The weight and bias views after x, by attribute. */
function affine(inputs: readonly TensorView[], attrs: { weight: boolean; bias: boolean }): { weight?: TensorView; bias?: TensorView } {
  return { weight: attrs.weight ? inputs[1] : undefined, bias: attrs.bias ? inputs[attrs.weight ? 2 : 1] : undefined };
}

/** Fused layer norm over the trailing `dims` dims: one workgroup per row. */
export function layerNorm(ctx: GpuContext, inputs: readonly TensorView[], attrs: KernelAttrs["layerNorm"], out: OutputInfo): WebGPUStorage {
  const x = inputs[0]!;
  const { weight, bias } = affine(inputs, attrs);
  const lead = x.shape.length - attrs.dims;
  const innerShape = x.shape.slice(lead);
  const operands: { strides: readonly number[]; offset: number }[] = [{ strides: x.strides.slice(lead), offset: 0 }];
  if (weight) operands.push({ strides: weight.strides, offset: weight.offset });
  if (bias) operands.push({ strides: bias.strides, offset: bias.offset });
  return rowNorm(
    ctx,
    {
      op: "layerNorm",
      x,
      weight,
      bias,
      rows: { shape: x.shape.slice(0, lead), operands: [{ strides: x.strides.slice(0, lead), offset: x.offset }] },
      inner: { shape: innerShape, operands },
      eps: attrs.eps,
      activation: "none",
    },
    out,
  );
}

/** Fused group norm (+ optional SiLU) of [N, C, ...]: one workgroup per (sample, group). */
export function groupNorm(ctx: GpuContext, inputs: readonly TensorView[], attrs: KernelAttrs["groupNorm"], out: OutputInfo): WebGPUStorage {
  const x = inputs[0]!;
  const { weight, bias } = affine(inputs, attrs);
  const [N, C] = x.shape as [number, number];
  const G = attrs.groups;
  const cg = C / G;
  const spatial = x.shape.slice(2);
  return rowNorm(
    ctx,
    {
      op: "groupNorm",
      x,
      weight,
      bias,
      rows: { shape: [N, G], operands: [{ strides: [x.strides[0]!, cg * x.strides[1]!], offset: x.offset }] },
      inner: { shape: [cg, ...spatial], operands: [{ strides: x.strides.slice(1), offset: 0 }] },
      eps: attrs.eps,
      activation: attrs.activation,
      groups: { G, cg, S: sizeOf(spatial) },
    },
    out,
  );
}

/** What the row-norm WGSL depends on. */
type RowNormWgslSpec = {
  kernel: "layerNorm" | "groupNorm"; xType: WgslStorageType; outType: WgslStorageType; rowRank: number; innerRank: number; nInner: number; wg: number;
  weight: boolean; bias: boolean; grouped: boolean; activation: "none" | "silu"; rowBase: number; innerBase: number; paramWords: number;
};

function rowNormWgsl({ xType, outType, rowRank, innerRank, nInner, wg, weight, bias, grouped, activation, rowBase, innerBase, paramWords }: RowNormWgslSpec): string {
  const innerCode = stridedCode(innerRank, nInner, innerBase, "j", "i_");
  // layer norm reads the affine at inner operands 1 (weight) and 2 (bias); group norm per channel
  const wAt = grouped ? "u32(mi(6u) + i32(c) * mi(7u))" : "i_p1";
  const bAt = grouped ? "u32(mi(8u) + i32(c) * mi(9u))" : weight ? "i_p2" : "i_p1";
  const affine = [
    grouped && (weight || bias) ? "let c = (row % mu(3u)) * mu(4u) + j / mu(5u);" : "",
    weight ? `y = y * ldw(${wAt});` : "",
    bias ? `y = y + ldb(${bAt});` : "",
    activation === "silu" ? "y = y * sigmoid_(y);" : "",
  ].filter((l) => l).join("\n    ");
  const loop = (body: string) => `for (var j = lid; j < L; j = j + ${wg}u) {
    ${innerCode}
    ${body}
  }`;
  const body = `fn ld(p: u32) -> f32 { return ${loadAs("x[p]", xType, "f32")}; }
${weight ? `fn ldw(p: u32) -> f32 { return ${loadAs("w[p]", xType, "f32")}; }` : ""}
${bias ? `fn ldb(p: u32) -> f32 { return ${loadAs("b[p]", xType, "f32")}; }` : ""}
var<workgroup> sh_mean: array<f32, ${wg}>;
var<workgroup> sh_var: array<f32, ${wg}>;
${workgroupSumFn("wsum_mean", "sh_mean", wg)}
${workgroupSumFn("wsum_var", "sh_var", wg)}
${rowStatsMain({ wg, rowCode: stridedCode(rowRank, 1, rowBase, "row", "r_"), loop, ld: "ld", sumMean: "wsum_mean", sumVar: "wsum_var" })}
  ${loop(`var y = (ld(r_p0 + i_p0) - mean) * rstd;
    ${affine}
    out[row * L + j] = ${storeAs("y", "f32", outType)};`)}
}`;
  const buffers: BufferDecl[] = [{ name: "x", type: xType }];
  if (weight) buffers.push({ name: "w", type: xType });
  if (bias) buffers.push({ name: "b", type: xType });
  buffers.push({ name: "out", type: outType, write: true });
  return wgslModule({ T: "f32", paramWords, buffers, body });
}
