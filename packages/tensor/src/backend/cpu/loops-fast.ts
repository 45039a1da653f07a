import type { Shape } from "../../shape.js";
import { collapse, compileOdometerLoop, runCompiledLoop, type Loop } from "./loops.js";

/**
 * Elementwise loops specialised for the fast CPU kernels: one compiled function per expression, array types
 * and inner-dimension pattern of each operand (contiguous, broadcast or strided), so that element reads
 * stay monomorphic and contiguous operands are read at the loop index without a multiply, broadcast ones
 * once per row.
 */

const cache = new Map<string, Loop>();

/** How an operand is read along the innermost (collapsed) dim. */
type Pattern = "c" | "s" | "g";

function compile(expr: string, patterns: readonly Pattern[], env: Record<string, unknown>): Loop {
  const names = ["x", "y", "z"];
  const rowSetup = patterns
    .map((pat, k) => (pat === "s" ? `const ${names[k]} = a${k}[o${k}];` : pat === "c" ? `const b${k} = o${k} - p;` : `let r${k} = o${k};`))
    .join(" ");
  const read = patterns
    .map((pat, k) => (pat === "c" ? `const ${names[k]} = a${k}[q + b${k}];` : pat === "g" ? `const ${names[k]} = a${k}[r${k}]; r${k} += i${k};` : ""))
    .join(" ");
  const row = `${rowSetup}
      const end = p + inner;
      for (let q = p; q < end; q++) { ${read} out[q] = ${expr}; }
      p = end;`;
  return compileOdometerLoop(patterns.length, row, env);
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
  if (out.length === 0) return;
  const c = collapse(shape, operands.map((o) => o.strides));
  const r = c.shape.length;
  const patterns = c.strides.map((s): Pattern => (s[r - 1] === 1 ? "c" : s[r - 1] === 0 ? "s" : "g"));
  const key = `${patterns.join("")}|${operands.map((o) => typeName(o.data)).join(",")}>${typeName(out)}|${expr}`;
  let f = cache.get(key);
  if (!f) {
    f = compile(expr, patterns, env);
    cache.set(key, f);
  }
  runCompiledLoop(f, operands, c, out);
}
