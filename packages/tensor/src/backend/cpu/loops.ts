import type { Shape } from "../../shape.js";

/**
 * Elementwise loops over strided operands without per-element offset tables: dims are merged where every
 * operand allows (`collapse`), then an odometer walks the outer dims and a tight loop the innermost one.
 */

/** The output shape with size-1 dims dropped and mergeable neighbours merged, and each operand's strides. */
export function collapse(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const keep = shape.map((_, i) => i).filter((i) => shape[i] !== 1);
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (const i of keep) {
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[i]! * shape[i]!);
    if (mergeable) {
      outShape[last]! *= shape[i]!;
      strides.forEach((s, k) => (outStrides[k]![last] = s[i]!));
    } else {
      outShape.push(shape[i]!);
      strides.forEach((s, k) => outStrides[k]!.push(s[i]!));
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    outStrides.forEach((s) => s.push(0));
  }
  return { shape: outShape, strides: outStrides };
}

type Loop = (arrays: unknown[], offsets: number[], strides: Int32Array[], shape: Int32Array, out: unknown, n: number) => void;
const cache = new Map<string, Loop>();

/**
 * Compiles (once per expression and arity) a loop writing `out[p] = EXPR` for p in row-major order of `shape`,
 * where the operands are named `x`, `y`, `z` in EXPR. Helpers (erf, roundEven) are passed in `env`.
 */
export function compileLoop(expr: string, arity: number, env: Record<string, unknown> = {}): Loop {
  const key = `${arity}|${expr}`;
  let f = cache.get(key);
  if (f) return f;
  const names = ["x", "y", "z"].slice(0, arity);
  const decl = names.map((v, k) => `const a${k} = arrays[${k}], s${k} = strides[${k}], i${k} = s${k}[rank - 1]; let o${k} = offsets[${k}];`).join("\n");
  const read = names.map((v, k) => `const ${v} = a${k}[o${k} + j * i${k}];`).join(" ");
  const step = names.map((_, k) => `o${k} += s${k}[d];`).join(" ");
  const back = names.map((_, k) => `o${k} -= s${k}[d] * shape[d];`).join(" ");
  const src = `return function loop(arrays, offsets, strides, shape, out, n) {
    const rank = shape.length;
    ${decl}
    const inner = shape[rank - 1];
    const idx = new Int32Array(rank);
    let p = 0;
    while (p < n) {
      for (let j = 0; j < inner; j++) { ${read} out[p++] = ${expr}; }
      for (let d = rank - 2; d >= 0; d--) {
        idx[d]++; ${step}
        if (idx[d] < shape[d]) break;
        ${back} idx[d] = 0;
      }
    }
  };`;
  f = new Function(...Object.keys(env), src)(...Object.values(env)) as Loop;
  cache.set(key, f);
  return f;
}

/** Strides of an operand read as broadcast to `target` (zero for broadcast and size-1 dims). */
export function broadcastStridesTo(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const off = target.length - shape.length;
  return target.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : strides[i - off]!));
}

/** Runs `expr` over operands (array, offset, strides already broadcast to `shape`) into `out`. */
export function runLoop(expr: string, operands: { data: unknown; offset: number; strides: readonly number[] }[], shape: Shape, out: { length: number }, env?: Record<string, unknown>): void {
  const n = out.length;
  if (n === 0) return;
  const c = collapse(shape, operands.map((o) => o.strides));
  compileLoop(expr, operands.length, env)(
    operands.map((o) => o.data),
    operands.map((o) => o.offset),
    c.strides.map((s) => Int32Array.from(s)),
    Int32Array.from(c.shape),
    out,
    n,
  );
}
