import { collapseDims, type Shape } from "../../shape.js";

/**
 * Elementwise loops over strided operands without per-element offset tables: dims are merged where every
 * operand allows (`collapse`), then an odometer walks the outer dims and a tight loop the innermost one.
 */

/** `collapseDims`, kept at rank 1 or more (a single element becomes shape [1], strides 0) for the loops. */
export function collapse(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const c = collapseDims(shape, strides);
  if (c.shape.length === 0) {
    c.shape.push(1);
    c.strides.forEach((s) => s.push(0));
  }
  return c;
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
