import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { allocHost, castScalar, type DType, type TypedArray } from "../../dtype.js";
import { BINARY, UNARY, type BinaryOpName, type UnaryOpName } from "../../ops/elementwise-table.js";
import { broadcastStrides, sizeOf } from "../../shape.js";
import { erf, roundEven, sigmoid } from "./math.js";
import { runLoop } from "./loops.js";
import { CpuStorage, dataOf } from "./storage.js";

/** The JS expression of a binary op for operands of `dtype` (integer multiply must wrap like int32 hardware). */
export function binaryExpr(name: BinaryOpName, dtype: DType): string {
  if (dtype === "int32" && name === "mul") return "Math.imul(x, y)";
  return BINARY[name].js;
}

export function unaryKernel(name: UnaryOpName) {
  return (inputs: readonly TensorView[], _a: Record<string, never>, out: OutputInfo): CpuStorage => {
    const x = inputs[0]!;
    const res = allocHost(out.dtype, sizeOf(out.shape));
    runLoop(UNARY[name].js, [operand(x, out.shape)], out.shape, res, HELPERS);
    return new CpuStorage(res);
  };
}

export function binaryKernel(name: BinaryOpName) {
  return (inputs: readonly TensorView[], _a: Record<string, never>, out: OutputInfo): CpuStorage => {
    const [x, y] = inputs as [TensorView, TensorView];
    const res = allocHost(out.dtype, sizeOf(out.shape));
    runLoop(binaryExpr(name, x.dtype), [operand(x, out.shape), operand(y, out.shape)], out.shape, res);
    return new CpuStorage(res);
  };
}

/** Helper functions the unary expressions call. */
export const HELPERS = { erf, roundEven, sigmoid };

/** A kernel input as the loops read it: broadcast to the output shape. */
export function operand(v: TensorView, shape: readonly number[]) {
  return { data: dataOf(v), offset: v.offset, strides: broadcastStrides(v.shape, v.strides, shape) };
}

/** Reads a view (any layout) into a new contiguous array of `dtype`, converting values. */
function copyConvert(x: TensorView, dtype: DType, shape = x.shape): TypedArray {
  const res = allocHost(dtype, sizeOf(shape));
  const toInt = dtype === "int32" && x.dtype !== "int32" && x.dtype !== "bool";
  const toBool = dtype === "bool" && x.dtype !== "bool";
  // Int32Array stores wrap like a C cast after truncation; NaN becomes 0
  runLoop(toBool ? "(x !== 0 ? 1 : 0)" : toInt ? "Math.trunc(x)" : "x", [operand(x, shape)], shape, res);
  return res;
}

export function castKernel(inputs: readonly TensorView[], _a: KernelAttrs["cast"], out: OutputInfo): CpuStorage {
  return new CpuStorage(copyConvert(inputs[0]!, out.dtype));
}

export function contiguousKernel(inputs: readonly TensorView[], _a: Record<string, never>, out: OutputInfo): CpuStorage {
  return new CpuStorage(copyConvert(inputs[0]!, out.dtype, out.shape));
}

export function fillKernel(_i: readonly TensorView[], attrs: KernelAttrs["fill"], out: OutputInfo): CpuStorage {
  const res = allocHost(out.dtype, sizeOf(out.shape));
  res.fill(castScalar(attrs.value, out.dtype));
  return new CpuStorage(res);
}

export function whereKernel(inputs: readonly TensorView[], _a: Record<string, never>, out: OutputInfo): CpuStorage {
  const [c, a, b] = inputs as [TensorView, TensorView, TensorView];
  const res = allocHost(out.dtype, sizeOf(out.shape));
  runLoop("(x ? y : z)", [operand(c, out.shape), operand(a, out.shape), operand(b, out.shape)], out.shape, res);
  return new CpuStorage(res);
}

export function clampKernel(inputs: readonly TensorView[], attrs: KernelAttrs["clamp"], out: OutputInfo): CpuStorage {
  const x = inputs[0]!;
  const res = copyConvert(x, out.dtype, out.shape);
  const lo = attrs.min ?? -Infinity;
  const hi = attrs.max ?? Infinity;
  for (let i = 0; i < res.length; i++) {
    // min(max(x, lo), hi) as torch.clamp: NaN passes through, and lo > hi gives hi
    res[i] = Math.min(Math.max(res[i]!, lo), hi);
  }
  return new CpuStorage(res);
}
