import type { Shape } from "../../shape.js";

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
 * Simplifies an iteration without changing the element each linear index maps to in each operand: drops
 * size-1 dimensions and merges neighbours that every operand walks contiguously (stride[d] ==
 * stride[d+1] * shape[d+1]). Contiguous tensors of any rank become rank 1, so one pipeline serves them.
 */
export function collapse(it: Iteration): Iteration {
  const shape: number[] = [];
  const strides: number[][] = it.operands.map(() => []);
  for (let d = 0; d < it.shape.length; d++) {
    const n = it.shape[d]!;
    if (n === 1) continue;
    const last = shape.length - 1;
    if (last >= 0 && it.operands.every((op, k) => strides[k]![last] === op.strides[d]! * n)) {
      shape[last]! *= n;
      it.operands.forEach((op, k) => (strides[k]![last] = op.strides[d]!));
      continue;
    }
    shape.push(n);
    it.operands.forEach((op, k) => strides[k]!.push(op.strides[d]!));
  }
  return { shape, operands: it.operands.map((op, k) => ({ strides: strides[k]!, offset: op.offset })) };
}

/** Row-major strides of `shape`. */
export function rowMajor(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Strides reading a view of `shape`/`strides` broadcast to `target` (zero for new and size-1 dimensions). */
export function broadcastTo(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const off = target.length - shape.length;
  if (off < 0) throw new Error(`webgpu: cannot broadcast [${shape.join(",")}] to [${target.join(",")}]`);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d !== 1 && d !== target[off + i]) throw new Error(`webgpu: cannot broadcast [${shape.join(",")}] to [${target.join(",")}]`);
    out[off + i] = d === 1 ? 0 : strides[i]!;
  }
  return out;
}

/** Number of elements of a shape. */
export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
