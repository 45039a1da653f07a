import type { Kernel, KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { BINARY, UNARY, type BinaryOpName, type UnaryOpName } from "../../ops/elementwise-table.js";
import { sizeOf } from "../../shape.js";
import { binaryExpr, contiguousKernel, HELPERS, operand } from "./elementwise.js";
import { allocOutput } from "./host-pool.js";
import { runFastLoop } from "./loops-fast.js";
import { CpuStorage } from "./storage.js";

/** Unary and binary elementwise kernels on the specialised loops of `loops-fast.ts` (same expressions as the reference). */

function fastUnary(name: UnaryOpName) {
  return (inputs: readonly TensorView[], _a: Record<string, never>, out: OutputInfo): CpuStorage => {
    const res = allocOutput(out.dtype, sizeOf(out.shape), false);
    runFastLoop(UNARY[name].js, [operand(inputs[0]!, out.shape)], out.shape, res, HELPERS);
    return new CpuStorage(res);
  };
}

function fastBinary(name: BinaryOpName) {
  return (inputs: readonly TensorView[], _a: Record<string, never>, out: OutputInfo): CpuStorage => {
    const [x, y] = inputs as [TensorView, TensorView];
    const res = allocOutput(out.dtype, sizeOf(out.shape), false);
    runFastLoop(binaryExpr(name, x.dtype), [operand(x, out.shape), operand(y, out.shape)], out.shape, res);
    return new CpuStorage(res);
  };
}

/** A contiguous copy of a view of the same dtype on the fast loops (conversions use the reference). */
export function fastContiguousKernel(inputs: readonly TensorView[], attrs: Record<string, never>, out: OutputInfo): CpuStorage {
  const x = inputs[0]!;
  if (x.dtype !== out.dtype) return contiguousKernel(inputs, attrs, out);
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
