import { broadcastStrides, collapseDims, fmt, type Shape } from "../../shape.js";

/** Strides and offset of one operand over an iteration shape. */
export interface StridedOperand {
  readonly strides: readonly number[];
  readonly offset: number;
}

/** An iteration shape with the operands that walk it. */
export interface Iteration {
  readonly shape: readonly number[];
  readonly operands: readonly StridedOperand[];
}

/**
 * `collapseDims` over an iteration: contiguous tensors of any rank become rank 1, so one pipeline serves
 * them. Offsets are unchanged.
 */
export function collapse(it: Iteration): Iteration {
  const c = collapseDims(it.shape, it.operands.map((op) => op.strides));
  return { shape: c.shape, operands: it.operands.map((op, k) => ({ strides: c.strides[k]!, offset: op.offset })) };
}

/**
 * Strides reading a view of `shape`/`strides` broadcast to `target` (zero for new and size-1 dimensions);
 * throws when `shape` does not broadcast to `target`.
 */
export function broadcastTo(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const off = target.length - shape.length;
  if (off < 0 || shape.some((d, i) => d !== 1 && d !== target[off + i])) {
    throw new Error(`webgpu: cannot broadcast ${fmt(shape)} to ${fmt(target)}`);
  }
  return broadcastStrides(shape, strides, target);
}
