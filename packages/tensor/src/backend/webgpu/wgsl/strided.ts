import type { Params } from "../params.js";
import type { Iteration } from "../layout.js";

/**
 * Writes an iteration into the uniforms: its shape, then each operand's offset and strides. Returns the
 * index of the first word, for `stridedCode`.
 */
export function writeIteration(params: Params, it: Iteration): number {
  const base = params.length;
  for (const n of it.shape) params.u32(n);
  for (const op of it.operands) {
    params.i32(op.offset);
    for (const s of op.strides) params.i32(s);
  }
  return base;
}

/**
 * WGSL statements that split the linear index `index` into coordinates `${prefix}c0..` over an iteration of
 * rank `rank` written at uniform word `base`, and define `${prefix}p<k>` (u32), each operand's element index.
 */
export function stridedCode(rank: number, operands: number, base: number, index: string, prefix = ""): string {
  const lines: string[] = [];
  const shapeAt = (d: number) => `mu(${base + d}u)`;
  if (rank > 0) {
    lines.push(`var ${prefix}rem = ${index};`);
    for (let d = rank - 1; d > 0; d--) {
      lines.push(`let ${prefix}c${d} = ${prefix}rem % ${shapeAt(d)}; ${prefix}rem = ${prefix}rem / ${shapeAt(d)};`);
    }
    lines.push(`let ${prefix}c0 = ${prefix}rem;`);
  }
  for (let k = 0; k < operands; k++) {
    const at = base + rank + k * (rank + 1);
    const terms = [`mi(${at}u)`];
    for (let d = 0; d < rank; d++) terms.push(`i32(${prefix}c${d}) * mi(${at + 1 + d}u)`);
    lines.push(`let ${prefix}p${k} = u32(${terms.join(" + ")});`);
  }
  return lines.join("\n  ");
}
