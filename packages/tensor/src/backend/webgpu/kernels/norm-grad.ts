/**
 * `normGrad` on WebGPU: the input gradient of a normalisation over the last axis, one workgroup per row. The
 * row's mean and biased variance (two passes, as the forward kernels in norm.ts), then the sums of g and
 * g xhat, then dx = rstd (g - mean(g) - xhat mean(g xhat)); workgroup-memory tree reductions, f32 arithmetic
 * for f32 and f16 storage. x and g are read through their strides.
 */
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
import { rowStatsMain, workgroupSumFn } from "../wgsl/row-stats.js";

/** normGrad of [x, g] (one shape) over their last axis. */
export function normGrad(ctx: GpuContext, inputs: readonly TensorView[], attrs: KernelAttrs["normGrad"], out: OutputInfo): WebGPUStorage {
  const [x, g] = inputs as [TensorView, TensorView];
  const n = sizeOf(out.shape);
  const result = ctx.alloc(out.dtype, n, "normGrad", out.shape);
  if (n === 0) return result;
  const r = x.shape.length - 1;
  const rowsIt = collapse({ shape: x.shape.slice(0, r), operands: [{ strides: x.strides.slice(0, r), offset: x.offset }, { strides: g.strides.slice(0, r), offset: g.offset }] });
  const innerIt = collapse({ shape: x.shape.slice(r), operands: [{ strides: x.strides.slice(r), offset: 0 }, { strides: g.strides.slice(r), offset: 0 }] });
  const L = x.shape[r]!;
  const params = new Params();
  params.u32(n / L);
  params.u32(L);
  params.f32(attrs.eps);
  const rowBase = writeIteration(params, rowsIt);
  const innerBase = writeIteration(params, innerIt);
  const spec: NormGradWgslSpec = {
    kernel: "normGrad", xType: wgslStorageType(x.dtype), outType: wgslStorageType(out.dtype), rowRank: rowsIt.shape.length, innerRank: innerIt.shape.length,
    wg: L <= 512 ? 64 : 256, rowBase, innerBase, paramWords: params.length,
  };
  ctx.run(spec, normGradWgsl, params, [bind(gpuStorage(x, "normGrad")), bind(gpuStorage(g, "normGrad")), bind(result)], grid(n / L, ctx.maxGroups));
  return result;
}

/** What the WGSL depends on. */
type NormGradWgslSpec = { kernel: "normGrad"; xType: WgslStorageType; outType: WgslStorageType; rowRank: number; innerRank: number; wg: number; rowBase: number; innerBase: number; paramWords: number };

function normGradWgsl({ xType, outType, rowRank, innerRank, wg, rowBase, innerBase, paramWords }: NormGradWgslSpec): string {
  const loop = (body: string) => `for (var j = lid; j < L; j = j + ${wg}u) {
    ${stridedCode(innerRank, 2, innerBase, "j", "i_")}
    ${body}
  }`;
  // one workgroup array per sum (see workgroupSumFn: llvmpipe may read a total after the next sum's first store)
  const sums = ["sh_a", "sh_b", "sh_c", "sh_d"];
  const wsum = (arr: string) => `var<workgroup> ${arr}: array<f32, ${wg}>;\n${workgroupSumFn(`wsum_${arr}`, arr, wg)}`;
  const body = `fn ldx(p: u32) -> f32 { return ${loadAs("x[p]", xType, "f32")}; }
fn ldg(p: u32) -> f32 { return ${loadAs("g[p]", xType, "f32")}; }
${sums.map(wsum).join("\n")}
${rowStatsMain({ wg, rowCode: stridedCode(rowRank, 2, rowBase, "row", "r_"), loop, ld: "ldx", sumMean: "wsum_sh_a", sumVar: "wsum_sh_b" })}
  var s3 = 0.0;
  var s4 = 0.0;
  ${loop("let gj = ldg(r_p1 + i_p1);\n    s3 = s3 + gj;\n    s4 = s4 + gj * (ldx(r_p0 + i_p0) - mean) * rstd;")}
  let mg = wsum_sh_c(s3, lid) / f32(L);
  let mgx = wsum_sh_d(s4, lid) / f32(L);
  ${loop(`let y = rstd * (ldg(r_p1 + i_p1) - mg - (ldx(r_p0 + i_p0) - mean) * rstd * mgx);
    out[row * L + j] = ${storeAs("y", "f32", outType)};`)}
}`;
  const buffers: BufferDecl[] = [{ name: "x", type: xType }, { name: "g", type: xType }, { name: "out", type: outType, write: true }];
  return wgslModule({ T: "f32", paramWords, buffers, body });
}
