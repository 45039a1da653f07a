import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { allocHost, castScalar, type DType, type TypedArray } from "../../dtype.js";
import { BINARY, UNARY, type BinaryOpName, type UnaryOpName } from "../../ops/elementwise-table.js";
import { sizeOf } from "../../shape.js";
import { erf, roundEven } from "./math.js";
import { broadcastOffsets, CpuStorage, dataOf } from "./storage.js";

type UnaryLoop = (x: TypedArray, xo: Int32Array | null, xoff: number, out: TypedArray, n: number) => void;
type BinaryLoop = (
  x: TypedArray,
  xo: Int32Array | null,
  xoff: number,
  y: TypedArray,
  yo: Int32Array | null,
  yoff: number,
  out: TypedArray,
  n: number,
) => void;

const unaryLoops = new Map<string, UnaryLoop>();
const binaryLoops = new Map<string, BinaryLoop>();

/** Compiles the loop for one expression once; the expression comes from the op table (never user input). */
function compileUnary(expr: string): UnaryLoop {
  let f = unaryLoops.get(expr);
  if (!f) {
    f = new Function(
      "erf",
      "roundEven",
      `return function (xa, xo, xoff, out, n) {
        if (xo === null) { for (let i = 0; i < n; i++) { const x = xa[xoff + i]; out[i] = ${expr}; } }
        else { for (let i = 0; i < n; i++) { const x = xa[xo[i]]; out[i] = ${expr}; } }
      };`,
    )(erf, roundEven) as UnaryLoop;
    unaryLoops.set(expr, f);
  }
  return f;
}

function compileBinary(expr: string): BinaryLoop {
  let f = binaryLoops.get(expr);
  if (!f) {
    f = new Function(
      `return function (xa, xo, xoff, ya, yo, yoff, out, n) {
        if (xo === null && yo === null) { for (let i = 0; i < n; i++) { const x = xa[xoff + i], y = ya[yoff + i]; out[i] = ${expr}; } }
        else { for (let i = 0; i < n; i++) {
          const x = xa[xo === null ? xoff + i : xo[i]], y = ya[yo === null ? yoff + i : yo[i]]; out[i] = ${expr}; } }
      };`,
    )() as BinaryLoop;
    binaryLoops.set(expr, f);
  }
  return f;
}

/** Integer multiply must wrap like int32 hardware, not round through doubles. */
function binaryExpr(name: BinaryOpName, dtype: DType): string {
  if (dtype === "int32" && name === "mul") return "Math.imul(x, y)";
  return BINARY[name].js;
}

export function unaryKernel(name: UnaryOpName) {
  return (inputs: readonly TensorView[], _a: Record<string, never>, out: OutputInfo): CpuStorage => {
    const x = inputs[0]!;
    const n = sizeOf(out.shape);
    const res = allocHost(out.dtype, n);
    compileUnary(UNARY[name].js)(dataOf(x), broadcastOffsets(x, out.shape), x.offset, res, n);
    return new CpuStorage(res);
  };
}

export function binaryKernel(name: BinaryOpName) {
  return (inputs: readonly TensorView[], _a: Record<string, never>, out: OutputInfo): CpuStorage => {
    const [x, y] = inputs as [TensorView, TensorView];
    const n = sizeOf(out.shape);
    const res = allocHost(out.dtype, n);
    const loop = compileBinary(binaryExpr(name, x.dtype));
    loop(dataOf(x), broadcastOffsets(x, out.shape), x.offset, dataOf(y), broadcastOffsets(y, out.shape), y.offset, res, n);
    return new CpuStorage(res);
  };
}

/** Reads a view (any layout) into a new contiguous array of `dtype`, converting values. */
function copyConvert(x: TensorView, dtype: DType, shape = x.shape): TypedArray {
  const n = sizeOf(shape);
  const res = allocHost(dtype, n);
  const src = dataOf(x);
  const offs = broadcastOffsets(x, shape);
  const toInt = dtype === "int32" && x.dtype !== "int32" && x.dtype !== "bool";
  const toBool = dtype === "bool" && x.dtype !== "bool";
  for (let i = 0; i < n; i++) {
    const v = src[offs === null ? x.offset + i : offs[i]!]!;
    res[i] = toBool ? (v !== 0 ? 1 : 0) : toInt ? Math.trunc(v) : v;
  }
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
  const n = sizeOf(out.shape);
  const res = allocHost(out.dtype, n);
  const cd = dataOf(c), ad = dataOf(a), bd = dataOf(b);
  const co = broadcastOffsets(c, out.shape), ao = broadcastOffsets(a, out.shape), bo = broadcastOffsets(b, out.shape);
  for (let i = 0; i < n; i++) {
    const cond = cd[co === null ? c.offset + i : co[i]!];
    res[i] = cond ? ad[ao === null ? a.offset + i : ao[i]!]! : bd[bo === null ? b.offset + i : bo[i]!]!;
  }
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
