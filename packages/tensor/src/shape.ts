/** A tensor shape: sizes of each dimension, outermost first. */
export type Shape = readonly number[];

/** Number of elements of a shape. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-contiguous) strides of a shape, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** True when a view with these strides is row-major contiguous (size-1 dims may have any stride). */
export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d !== 1 && strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/** Formats a shape as `[2,3]` for error messages. */
export function fmt(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** Checks that a shape is a list of non-negative integers; throws naming the op otherwise. */
export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid shape ${fmt(shape)}: sizes must be non-negative integers`);
  }
}

/** NumPy broadcasting of several shapes; throws with the op name and shapes if incompatible. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i]!;
      if (d === out[j]) continue;
      if (out[j] === 1) out[j] = d;
      else if (d !== 1) {
        throw new Error(`${op}: shapes ${shapes.map(fmt).join(" and ")} cannot be broadcast together (dimension ${j}: ${out[j]} vs ${d})`);
      }
    }
  }
  return out;
}

/** Normalises a possibly negative axis for a tensor of rank `rank`; throws naming the op. */
export function normAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -Math.max(rank, 1) || axis >= Math.max(rank, 1)) {
    throw new Error(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + Math.max(rank, 1) : axis;
}

/** Normalises a list of axes (undefined = all), sorted and de-duplicated check. */
export function normAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  const out = list.map((a) => normAxis(op, a, rank));
  if (new Set(out).size !== out.length) throw new Error(`${op}: repeated axis in [${list.join(",")}]`);
  // a 0-d tensor accepts axis 0 / -1 (as torch) but has no dim to reduce
  if (rank === 0) return [];
  return out.sort((a, b) => a - b);
}

/** Strides to read a tensor of shape `shape`/`strides` as if broadcast to `target` (0 for broadcast dims). */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const off = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[off + i] = shape[i] === 1 ? 0 : strides[i]!;
  return out;
}

/**
 * Simplifies a strided iteration without changing the element each row-major position maps to in each
 * operand: drops size-1 dimensions and merges neighbours that every operand walks contiguously
 * (`strides[d] == strides[d+1] * shape[d+1]`). A contiguous tensor of any rank becomes rank 1; an iteration
 * over a single element becomes rank 0 (empty shape).
 */
export function collapseDims(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * n)) {
      outShape[last]! *= n;
      strides.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outShape.push(n);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** True when two shapes are equal. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Output positions of a sliding window along one dimension (size, kernel, stride, padding, dilation). */
export function windowOutSize(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/**
 * The stride of the dims `from..` of a view merged into one, or null when they cannot merge without a copy
 * (size-1 dims are ignored).
 */
export function mergedStride(shape: readonly number[], strides: readonly number[], from: number): number | null {
  let stride: number | null = null;
  let span = 1;
  for (let d = shape.length - 1; d >= from; d--) {
    if (shape[d] === 1) continue;
    if (stride === null) stride = strides[d]!;
    else if (strides[d] !== stride * span) return null;
    span *= shape[d]!;
  }
  return stride ?? 1;
}
