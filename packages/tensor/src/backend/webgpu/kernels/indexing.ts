/** WebGPU kernels of the indexing ops (see ops/indexing.ts): gather, indexSelect, scatterAdd. */
import type { OutputInfo, TensorView } from "../../backend.js";
import { bind, type GpuContext } from "../context.js";
import { wgslComputeType, wgslStorageType, type WgslComputeType, type WgslStorageType } from "../dtypes.js";
import { contiguousStrides, sizeOf } from "../../../shape.js";
import { Params } from "../params.js";
import { gpuStorage, type WebGPUStorage } from "../storage.js";
import { loadAs } from "../wgsl/convert.js";
import { grid, linearMain, wgslModule } from "../wgsl/header.js";
import { stridedCode, writeIteration } from "../wgsl/strided.js";
import { cast, stridesOver } from "./elementwise.js";
import { mapKernel } from "./map.js";

/** Reads x at the position of `p0` plus the index value (negative indices count from the end) along the axis. */
const GATHER_BODY = `var ix = v1;
  if (ix < 0) { ix = ix + i32(s1); }
  let r = ld0(u32(i32(p0) + ix * bitcast<i32>(s0)));`;

/** Strides of x with the gathered axis zeroed (it is added from the index). */
function withoutAxis(x: TensorView, axis: number): number[] {
  return x.strides.map((s, d) => (d === axis ? 0 : s));
}

/** torch.gather: out[..i..] = x[..index[..i..]..] along `axis`; out has the index's shape. */
export function gather(ctx: GpuContext, x: TensorView, index: TensorView, axis: number, out: OutputInfo): WebGPUStorage {
  const T = wgslComputeType(out.dtype);
  return mapKernel(ctx, {
    op: "gather",
    key: "gather",
    T,
    inputs: [
      { view: x, strides: withoutAxis(x, axis), as: T, raw: true },
      { view: index, strides: index.strides, as: "i32" },
    ],
    shape: out.shape,
    outDtype: out.dtype,
    valueType: T,
    scalars: [x.strides[axis]! >>> 0, x.shape[axis]!],
    body: GATHER_BODY,
  });
}

/** Entries `index` (1-D int32) of x along `axis`. */
export function indexSelect(ctx: GpuContext, x: TensorView, index: TensorView, axis: number, out: OutputInfo): WebGPUStorage {
  const T = wgslComputeType(out.dtype);
  const idxStrides = out.shape.map((_, d) => (d === axis ? index.strides[0]! : 0));
  return mapKernel(ctx, {
    op: "indexSelect",
    key: "gather",
    T,
    inputs: [
      { view: x, strides: withoutAxis(x, axis), as: T, raw: true },
      { view: index, strides: idxStrides, as: "i32" },
    ],
    shape: out.shape,
    outDtype: out.dtype,
    valueType: T,
    scalars: [x.strides[axis]! >>> 0, x.shape[axis]!],
    body: GATHER_BODY,
  });
}

/**
 * torch.scatter_add: out = base; out[..index[i]..] += src[i] along `axis` for every element i of index.
 * float32 accumulates with a compare-exchange loop on the bits, int32 with atomicAdd; float16 and bool go
 * through a float32 / int32 copy. The order of additions is not fixed.
 */
export function scatterAdd(ctx: GpuContext, base: TensorView, index: TensorView, src: TensorView, axis: number, out: OutputInfo): WebGPUStorage {
  const acc = out.dtype === "float32" || out.dtype === "float16" ? "float32" : "int32";
  const result = cast(ctx, base, { shape: out.shape, dtype: acc }, "scatterAdd");
  const n = sizeOf(index.shape);
  if (n > 0) {
    const T = wgslComputeType(acc);
    const outStrides = contiguousStrides(out.shape);
    const it = {
      shape: index.shape,
      operands: [
        { strides: index.strides, offset: index.offset },
        // src may be larger than index (torch.scatter_add reads it at the index's coordinates).
        { strides: src.shape.length === index.shape.length ? src.strides : stridesOver(src, index.shape), offset: src.offset },
        { strides: outStrides.map((s, d) => (d === axis ? 0 : s)), offset: 0 },
      ],
    };
    const params = new Params();
    params.u32(n);
    params.i32(outStrides[axis]!);
    params.u32(out.shape[axis]!);
    const base0 = writeIteration(params, it);
    const rank = index.shape.length;
    const idxType = wgslStorageType(index.dtype);
    const srcType = wgslStorageType(src.dtype);
    const spec: ScatterAddSpec = { kernel: "scatterAdd", T, idxType, srcType, rank, base: base0, paramWords: params.length };
    ctx.run(spec, scatterAddWgsl, params, [bind(gpuStorage(index, "scatterAdd")), bind(gpuStorage(src, "scatterAdd")), bind(result)], grid(Math.ceil(n / 64), ctx.maxGroups));
  }
  if (acc === out.dtype) return result;
  const view = { storage: result, dtype: acc, shape: out.shape, strides: contiguousStrides(out.shape), offset: 0 } as const;
  const converted = cast(ctx, view, out, "scatterAdd");
  ctx.pool.release(result.buffer);
  result.freed = true;
  return converted;
}

/** What the scatter-add WGSL depends on. */
type ScatterAddSpec = { kernel: "scatterAdd"; T: WgslComputeType; idxType: WgslStorageType; srcType: WgslStorageType; rank: number; base: number; paramWords: number };

function scatterAddWgsl({ T, idxType, srcType, rank, base, paramWords }: ScatterAddSpec): string {
  const add =
    T === "f32"
      ? `var old = atomicLoad(&out[q]);
  loop {
    let res = atomicCompareExchangeWeak(&out[q], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (res.exchanged) { break; }
    old = res.old_value;
  }`
      : "atomicAdd(&out[q], v);";
  return wgslModule({
    T,
    paramWords,
    buffers: [
      { name: "ind", type: idxType },
      { name: "src", type: srcType },
      { name: "out", type: T === "f32" ? "atomic<u32>" : "atomic<i32>", write: true },
    ],
    body: `${linearMain(64)}
  if (idx >= mu(0u)) { return; }
  ${stridedCode(rank, 3, base, "idx")}
  var ix = ${loadAs("ind[p0]", idxType, "i32")};
  if (ix < 0) { ix = ix + i32(mu(2u)); }
  let v = ${loadAs("src[p1]", srcType, T)};
  let q = u32(i32(p2) + ix * mi(1u));
  ${add}
}`,
  });
}
