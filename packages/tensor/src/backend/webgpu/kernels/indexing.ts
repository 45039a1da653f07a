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

/** Concatenation along `axis`: one strided copy per input into its slab of the output. */
export function concat(ctx: GpuContext, inputs: readonly TensorView[], axis: number, out: OutputInfo): WebGPUStorage {
  const storage = ctx.alloc(out.dtype, sizeOf(out.shape), "concat", out.shape);
  const strides = contiguousStrides(out.shape);
  let at = 0;
  for (const x of inputs) {
    const T = wgslComputeType(x.dtype);
    mapKernel(ctx, {
      op: "concat",
      key: "copy",
      T,
      inputs: [{ view: x, strides: x.strides, as: T }],
      shape: x.shape,
      outDtype: out.dtype,
      valueType: T,
      body: "let r = v0;",
      into: { storage, offset: at * strides[axis]!, strides },
    });
    at += x.shape[axis]!;
  }
  return storage;
}

/** A tensor of the output shape filled with `value`, with x written at `starts` stepping `steps` (may be negative). */
export function scatterSlice(
  ctx: GpuContext,
  x: TensorView,
  attrs: { readonly starts: readonly number[]; readonly steps: readonly number[]; readonly value: number },
  out: OutputInfo,
): WebGPUStorage {
  const T = wgslComputeType(out.dtype);
  const rank = out.shape.length;
  const fillWord = new Params();
  fillWord.value(out.dtype === "bool" ? (attrs.value !== 0 && !Number.isNaN(attrs.value) ? 1 : 0) : attrs.value, T);
  const scalars = [fillWord.toArray()[0]!];
  const stmts = ["var ok = true;", "var q = i32(p0);"];
  for (let d = 0; d < rank; d++) {
    const j = 1 + 4 * d;
    scalars.push(attrs.starts[d]! >>> 0, attrs.steps[d]! >>> 0, x.shape[d]!, x.strides[d]! >>> 0);
    stmts.push(
      `let t${d} = i32(c${d}) - bitcast<i32>(s${j}); let st${d} = bitcast<i32>(s${j + 1}); let j${d} = t${d} / st${d};`,
      `ok = ok && (t${d} % st${d} == 0) && j${d} >= 0 && j${d} < i32(s${j + 2}); q = q + j${d} * bitcast<i32>(s${j + 3});`,
    );
  }
  stmts.push("var r = bitcast<T>(s0);", "if (ok) { r = ld0(u32(q)); }");
  return mapKernel(ctx, {
    op: "scatterSlice",
    key: "scatterSlice",
    T,
    inputs: [{ view: x, strides: out.shape.map(() => 0), as: T, raw: true }],
    shape: out.shape,
    outDtype: out.dtype,
    valueType: T,
    keepRank: true,
    scalars,
    body: stmts.join("\n  "),
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
