/** Reference kernels of the indexing ops (see ops/indexing.ts): gather, scatterAdd, indexSelect. */
import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { allocHost } from "../../dtype.js";
import { contiguousStrides, sizeOf } from "../../shape.js";
import { offsetsOf, CpuStorage, dataOf } from "./storage.js";

function checkIndex(op: string, i: number, size: number): void {
  if (i < 0 || i >= size) throw new Error(`${op}: index ${i} is out of range for a dimension of size ${size}`);
}

/** Offsets into `x` of the positions of `index` with the `axis` coordinate dropped (so the index value adds it). */
function offsetsSkippingAxis(x: TensorView, shape: readonly number[], axis: number): Int32Array {
  const strides = x.strides.map((s, d) => (d === axis ? 0 : s));
  return offsetsOf(shape, strides, x.offset);
}

export function gatherKernel(inputs: readonly TensorView[], attrs: KernelAttrs["gather"], out: OutputInfo): CpuStorage {
  const [x, index] = inputs as [TensorView, TensorView];
  const { axis } = attrs;
  const base = offsetsSkippingAxis(x, index.shape, axis);
  const io = offsetsOf(index.shape, index.strides, index.offset);
  const xd = dataOf(x), id = dataOf(index);
  const size = x.shape[axis]!, stride = x.strides[axis]!;
  const res = allocHost(out.dtype, io.length);
  for (let p = 0; p < io.length; p++) {
    const i = id[io[p]!]!;
    checkIndex("gather", i, size);
    res[p] = xd[base[p]! + i * stride]!;
  }
  return new CpuStorage(res);
}

export function scatterAddKernel(inputs: readonly TensorView[], attrs: KernelAttrs["scatterAdd"], out: OutputInfo): CpuStorage {
  const [baseT, index, src] = inputs as [TensorView, TensorView, TensorView];
  const { axis } = attrs;
  const outStrides = contiguousStrides(out.shape);
  const acc = new Float64Array(sizeOf(out.shape));
  const bo = offsetsOf(baseT.shape, baseT.strides, baseT.offset);
  const bd = dataOf(baseT);
  for (let p = 0; p < bo.length; p++) acc[p] = bd[bo[p]!]!;
  const target = offsetsOf(index.shape, outStrides.map((s, d) => (d === axis ? 0 : s)), 0);
  const io = offsetsOf(index.shape, index.strides, index.offset);
  const so = offsetsOf(index.shape, src.strides.slice(0, index.shape.length), src.offset);
  const id = dataOf(index), sd = dataOf(src);
  const size = out.shape[axis]!, stride = outStrides[axis]!;
  for (let p = 0; p < io.length; p++) {
    const i = id[io[p]!]!;
    checkIndex("scatterAdd", i, size);
    acc[target[p]! + i * stride] += sd[so[p]!]!;
  }
  const res = allocHost(out.dtype, acc.length);
  res.set(acc);
  return new CpuStorage(res);
}

export function indexSelectKernel(inputs: readonly TensorView[], attrs: KernelAttrs["indexSelect"], out: OutputInfo): CpuStorage {
  const [x, index] = inputs as [TensorView, TensorView];
  const { axis } = attrs;
  const id = dataOf(index);
  const io = offsetsOf(index.shape, index.strides, index.offset);
  const size = x.shape[axis]!;
  for (let p = 0; p < io.length; p++) checkIndex("indexSelect", id[io[p]!]!, size);
  const base = offsetsOf(out.shape, x.strides.map((s, d) => (d === axis ? 0 : s)), x.offset);
  const outStrides = contiguousStrides(out.shape);
  const xd = dataOf(x);
  const res = allocHost(out.dtype, base.length);
  const axisLen = out.shape[axis]!, axisStride = outStrides[axis]!, xStride = x.strides[axis]!;
  for (let p = 0; p < base.length; p++) {
    const j = Math.floor(p / axisStride) % axisLen;
    res[p] = xd[base[p]! + id[io[j]!]! * xStride]!;
  }
  return new CpuStorage(res);
}
