import type { Kernel, KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { BINARY, UNARY, type BinaryOpName, type UnaryOpName } from "../../ops/elementwise-table.js";
import { contiguousStrides, isContiguous, sizeOf } from "../../shape.js";
import { binaryExpr, contiguousKernel, HELPERS, operand } from "./elementwise.js";
import { biasActKernel } from "./bias-act.js";
import { allocOutput, recycleHost } from "./host-pool.js";
import { runFastLoop } from "./loops-fast.js";
import { CpuStorage, dataOf } from "./storage.js";
import { activationF32, type ActivationKind } from "./wasm/activation.js";
import { BINARY_OPS, binaryF32, type BinaryKernelOp, type BroadcastF32 } from "./wasm/binary.js";
import { copyStridedF32 } from "./wasm/copy.js";

/** Unary and binary elementwise kernels on the specialised loops of `loops-fast.ts` (same expressions as the reference). */

/** Unary ops with a WebAssembly SIMD form (wasm/activation-kernel.ts), used on contiguous resident float32. */
const SIMD_UNARY: ReadonlySet<string> = new Set<ActivationKind>(["sigmoid", "silu", "siluDerivative", "quickGelu", "quickGeluDerivative", "gelu", "geluDerivative"]);

function fastUnary(name: UnaryOpName) {
  const simd = SIMD_UNARY.has(name) ? (name as ActivationKind) : undefined;
  return (inputs: readonly TensorView[], _a: Record<string, never>, out: OutputInfo): CpuStorage => {
    const x = inputs[0]!;
    const n = sizeOf(out.shape);
    const res = allocOutput(out.dtype, n, false);
    const inWasm =
      simd !== undefined &&
      out.dtype === "float32" &&
      x.dtype === "float32" &&
      isContiguous(x.shape, x.strides) &&
      activationF32(simd, { data: dataOf(x) as Float32Array, offset: x.offset }, null, { data: res as Float32Array, offset: 0 }, 1, n);
    // square as x * x on the binary kernel (one float32 multiply: the reference's result bit for bit)
    const squared = !inWasm && name === "square" && out.dtype === "float32" && x.dtype === "float32" && binaryF32("mul", operand(x, out.shape) as BroadcastF32, operand(x, out.shape) as BroadcastF32, res as Float32Array, out.shape);
    if (!inWasm && !squared) runFastLoop(UNARY[name].js, [operand(x, out.shape)], out.shape, res, HELPERS);
    return new CpuStorage(res);
  };
}

/**
 * biasAct on the WebAssembly SIMD activation kernel for contiguous resident float32 input (the bias any
 * contiguous float32 array) and the activations it has; otherwise the reference kernel.
 */
export function fastBiasActKernel(inputs: readonly TensorView[], attrs: KernelAttrs["biasAct"], out: OutputInfo): CpuStorage {
  const [x, b] = inputs as [TensorView, TensorView];
  const act = attrs.activation;
  const r = out.shape.length;
  const cols = r > 0 ? out.shape[r - 1]! : 1;
  const n = sizeOf(out.shape);
  const simdAct = act === "none" || SIMD_UNARY.has(act);
  if (out.dtype !== "float32" || x.dtype !== "float32" || b.dtype !== "float32" || !simdAct || r === 0 || cols === 0 || sizeOf(b.shape) !== cols) {
    return biasActKernel(inputs, attrs, out);
  }
  if (!isContiguous(x.shape, x.strides) || b.strides[b.shape.length - 1] !== 1) return biasActKernel(inputs, attrs, out);
  const res = allocOutput("float32", n, false) as Float32Array;
  const done = activationF32(act as ActivationKind, { data: dataOf(x) as Float32Array, offset: x.offset }, { data: dataOf(b) as Float32Array, offset: b.offset }, { data: res, offset: 0 }, n / cols, cols);
  if (done) return new CpuStorage(res);
  recycleHost(res);
  return biasActKernel(inputs, attrs, out);
}

function fastBinary(name: BinaryOpName) {
  const simd = name in BINARY_OPS ? (name as BinaryKernelOp) : undefined;
  return (inputs: readonly TensorView[], _a: Record<string, never>, out: OutputInfo): CpuStorage => {
    const [x, y] = inputs as [TensorView, TensorView];
    const res = allocOutput(out.dtype, sizeOf(out.shape), false);
    const ox = operand(x, out.shape), oy = operand(y, out.shape);
    // float32 add/sub/mul/div on the WebAssembly SIMD kernel where the operands allow (bit-identical results)
    const inWasm =
      simd !== undefined &&
      out.dtype === "float32" &&
      x.dtype === "float32" &&
      y.dtype === "float32" &&
      binaryF32(simd, ox as BroadcastF32, oy as BroadcastF32, res as Float32Array, out.shape);
    if (!inWasm) runFastLoop(binaryExpr(name, x.dtype), [ox, oy], out.shape, res);
    return new CpuStorage(res);
  };
}

/** The strided-copy kernel's view of float32 data. */
const f32 = (v: TensorView) => ({ data: dataOf(v) as Float32Array, offset: v.offset, strides: v.strides });

/** A contiguous float32 copy of `x` on the kernel, or undefined (nothing allocated) when it does not suit. */
function simdContiguous(x: TensorView, out: OutputInfo): CpuStorage | undefined {
  if (x.dtype !== "float32" || out.dtype !== "float32") return undefined;
  const n = sizeOf(x.shape);
  const res = allocOutput("float32", n, false) as Float32Array;
  if (copyStridedF32(f32(x), { data: res, offset: 0, strides: contiguousStrides(x.shape) }, x.shape)) return new CpuStorage(res);
  recycleHost(res);
  return undefined;
}

/** A contiguous copy of a view of the same dtype on the fast loops (conversions use the reference). */
export function fastContiguousKernel(inputs: readonly TensorView[], attrs: Record<string, never>, out: OutputInfo): CpuStorage {
  const x = inputs[0]!;
  if (x.dtype !== out.dtype) return contiguousKernel(inputs, attrs, out);
  const simd = simdContiguous(x, out);
  if (simd) return simd;
  const res = allocOutput(out.dtype, sizeOf(out.shape), false);
  runFastLoop("x", [operand(x, out.shape)], out.shape, res);
  return new CpuStorage(res);
}

type ElementwiseKernels = { [K in UnaryOpName | BinaryOpName]: Kernel<KernelAttrs[K]> };

/** Every unary and binary op on the fast loops. */
export function fastElementwiseKernels(): ElementwiseKernels {
  const table: Partial<ElementwiseKernels> = {};
  for (const name of Object.keys(UNARY) as UnaryOpName[]) table[name] = fastUnary(name);
  for (const name of Object.keys(BINARY) as BinaryOpName[]) table[name] = fastBinary(name);
  return table as ElementwiseKernels;
}
