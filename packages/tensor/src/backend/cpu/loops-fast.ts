import type { Shape } from "../../shape.js";
import { collapse } from "./loops.js";

/**
 * Elementwise loops specialised for the fast CPU kernels: one compiled function per expression, array types
 * and inner-dimension pattern of each operand (contiguous, broadcast or strided), so that element reads
 * stay monomorphic and contiguous operands are read at the loop index without a multiply, broadcast ones
 * once per row.
 */

type Loop = (arrays: unknown[], offsets: number[], strides: Int32Array[], shape: Int32Array, out: unknown, n: number) => void;
const cache = new Map<string, Loop>();

/** How an operand is read along the innermost (collapsed) dim. */
type Pattern = "c" | "s" | "g";

function compile(expr: string, patterns: readonly Pattern[], env: Record<string, unknown>): Loop {
  const names = ["x", "y", "z"];
  const decl = patterns.map((_, k) => `const a${k} = arrays[${k}], s${k} = strides[${k}], i${k} = s${k}[rank - 1]; let o${k} = offsets[${k}];`).join("\n");
  const rowSetup = patterns
    .map((pat, k) => (pat === "s" ? `const ${names[k]} = a${k}[o${k}];` : pat === "c" ? `const b${k} = o${k} - p;` : `let r${k} = o${k};`))
    .join(" ");
  const read = patterns
    .map((pat, k) => (pat === "c" ? `const ${names[k]} = a${k}[q + b${k}];` : pat === "g" ? `const ${names[k]} = a${k}[r${k}]; r${k} += i${k};` : ""))
    .join(" ");
  const step = patterns.map((_, k) => `o${k} += s${k}[d];`).join(" ");
  const back = patterns.map((_, k) => `o${k} -= s${k}[d] * shape[d];`).join(" ");
  const src = `return function loop(arrays, offsets, strides, shape, out, n) {
    const rank = shape.length;
    ${decl}
    const inner = shape[rank - 1];
    const idx = new Int32Array(rank);
    let p = 0;
    while (p < n) {
      ${rowSetup}
      const end = p + inner;
      for (let q = p; q < end; q++) { ${read} out[q] = ${expr}; }
      p = end;
      for (let d = rank - 2; d >= 0; d--) {
        idx[d]++; ${step}
        if (idx[d] < shape[d]) break;
        ${back} idx[d] = 0;
      }
    }
  };`;
  return new Function(...Object.keys(env), src)(...Object.values(env)) as Loop;
}

const typeName = (a: unknown): string => (a as object).constructor.name;

/** Runs `expr` over operands (array, offset, strides already broadcast to `shape`) into the contiguous `out`. */
export function runFastLoop(
  expr: string,
  operands: readonly { data: unknown; offset: number; strides: readonly number[] }[],
  shape: Shape,
  out: { length: number },
  env: Record<string, unknown> = {},
): void {
  const n = out.length;
  if (n === 0) return;
  const c = collapse(shape, operands.map((o) => o.strides));
  const r = c.shape.length;
  const patterns = c.strides.map((s): Pattern => (s[r - 1] === 1 ? "c" : s[r - 1] === 0 ? "s" : "g"));
  const key = `${patterns.join("")}|${operands.map((o) => typeName(o.data)).join(",")}>${typeName(out)}|${expr}`;
  let f = cache.get(key);
  if (!f) {
    f = compile(expr, patterns, env);
    cache.set(key, f);
  }
  f(
    operands.map((o) => o.data),
    operands.map((o) => o.offset),
    c.strides.map((s) => Int32Array.from(s)),
    Int32Array.from(c.shape),
    out,
    n,
  );
}
