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

/** A compiled elementwise loop (see `compileOdometerLoop`). */
export type Loop = (arrays: unknown[], offsets: number[], strides: Int32Array[], shape: Int32Array, out: unknown, n: number) => void;
const cache = new Map<string, Loop>();

/**
 * Compiles a loop over `arity` strided operands (array `a<k>`, current offset `o<k>`, strides `s<k>`, innermost
 * stride `i<k>`): `row` writes the innermost row that starts at output index `p` and leaves `p` at its end, then
 * an odometer steps the offsets over the outer dims. Helpers named in `env` are in scope of `row`.
 */
export function compileOdometerLoop(arity: number, row: string, env: Record<string, unknown>): Loop {
  const ks = Array.from({ length: arity }, (_, k) => k);
  const decl = ks.map((k) => `const a${k} = arrays[${k}], s${k} = strides[${k}], i${k} = s${k}[rank - 1]; let o${k} = offsets[${k}];`).join("\n");
  const step = ks.map((k) => `o${k} += s${k}[d];`).join(" ");
  const back = ks.map((k) => `o${k} -= s${k}[d] * shape[d];`).join(" ");
  const src = `return function loop(arrays, offsets, strides, shape, out, n) {
    const rank = shape.length;
    ${decl}
    const inner = shape[rank - 1];
    const idx = new Int32Array(rank);
    let p = 0;
    while (p < n) {
      ${row}
      for (let d = rank - 2; d >= 0; d--) {
        idx[d]++; ${step}
        if (idx[d] < shape[d]) break;
        ${back} idx[d] = 0;
      }
    }
  };`;
  return new Function(...Object.keys(env), src)(...Object.values(env)) as Loop;
}

/** Calls a compiled loop on operands whose strides `c` has collapsed (with `shape`) for the loops. */
export function runCompiledLoop(
  f: Loop,
  operands: readonly { data: unknown; offset: number }[],
  c: { shape: readonly number[]; strides: readonly (readonly number[])[] },
  out: { length: number },
): void {
  f(
    operands.map((o) => o.data),
    operands.map((o) => o.offset),
    c.strides.map((s) => Int32Array.from(s)),
    Int32Array.from(c.shape),
    out,
    out.length,
  );
}

/**
 * Compiles (once per expression and arity) a loop writing `out[p] = EXPR` for p in row-major order of `shape`,
 * where the operands are named `x`, `y`, `z` in EXPR. Helpers (erf, roundEven) are passed in `env`.
 */
function compileLoop(expr: string, arity: number, env: Record<string, unknown> = {}): Loop {
  const key = `${arity}|${expr}`;
  let f = cache.get(key);
  if (f) return f;
  const read = ["x", "y", "z"].slice(0, arity).map((v, k) => `const ${v} = a${k}[o${k} + j * i${k}];`).join(" ");
  f = compileOdometerLoop(arity, `for (let j = 0; j < inner; j++) { ${read} out[p++] = ${expr}; }`, env);
  cache.set(key, f);
  return f;
}

/** Runs `expr` over operands (array, offset, strides already broadcast to `shape`) into `out`. */
export function runLoop(expr: string, operands: { data: unknown; offset: number; strides: readonly number[] }[], shape: Shape, out: { length: number }, env?: Record<string, unknown>): void {
  if (out.length === 0) return;
  const c = collapse(shape, operands.map((o) => o.strides));
  runCompiledLoop(compileLoop(expr, operands.length, env), operands, c, out);
}
