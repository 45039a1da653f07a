import type { DType } from "../dtype.js";
import { castScalar, isFloat } from "../dtype.js";
import { fmt, shapesEqual, type Shape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { runKernel, runView } from "./registry.js";

/** A tensor or a plain number (numbers adopt the other operand's dtype, as PyTorch's Python scalars do). */
export type TensorLike = Tensor | number;

/** The dtype a Python-style scalar takes next to a tensor of `dtype`. */
function scalarDType(value: number, dtype: DType): DType {
  if (isFloat(dtype)) return dtype;
  if (Number.isInteger(value)) return dtype === "bool" && value !== 0 && value !== 1 ? "int32" : dtype;
  return "float32";
}

/** Turns a number into a 0-d tensor on `like`'s device; tensors pass through. */
export function asTensor(x: TensorLike, like: Tensor, dtype?: DType): Tensor {
  if (x instanceof Tensor) return x;
  const dt = dtype ?? scalarDType(x, like.dtype);
  return runKernel("fill", [], { value: castScalar(x, dt), shape: [], dtype: dt }, like.device);
}

/** Casts to `dtype`; returns `x` itself when it already has that dtype. */
export function castTo(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : runKernel("cast", [x], { dtype });
}

/**
 * An operand of a matmul or conv2d kernel that computes in `dtype`: a float16 operand of a float32 product
 * stays float16, because those kernels read it as float32 themselves (mixed precision: a frozen float16
 * weight is never copied to float32, neither in memory nor on the tape). Other operands are cast.
 */
export function castOperand(x: Tensor, dtype: DType): Tensor {
  return x.dtype === "float16" && dtype === "float32" ? x : castTo(x, dtype);
}

/**
 * The result dtype of a matmul/conv2d kernel over operands `a` and `b`: equal dtypes, or float16 with
 * float32 (computed in float32); else an error naming the op.
 */
export function mixedOperandDType(op: string, a: DType, b: DType): DType {
  if (a === b) return a;
  if ((a === "float16" && b === "float32") || (a === "float32" && b === "float16")) return "float32";
  throw new Error(`${op}: operand dtypes differ (${a}, ${b}); only float16 with float32 mixes`);
}

/** Sums `g` down to `shape` (the adjoint of broadcasting `shape` to g's shape). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  if (lead < 0) throw new Error(`sumTo: cannot reduce ${fmt(g.shape)} to ${fmt(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    // size-1 dims need no sum: dropping them is a reshape (a view)
    if (g.shape[i] !== 1 && (i < lead || shape[i - lead] === 1)) axes.push(i);
  }
  const summed = axes.length ? runKernel("sum", [g], { axes }) : g;
  const out = runView("reshape", summed, { shape: [...shape] });
  if (summed !== g) summed.dispose();
  return out;
}

/** Throws unless `x` has a float dtype (ops defined for floats only). */
export function floatInput(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new Error(`${op}: expected a float tensor, got ${x.dtype}`);
}
