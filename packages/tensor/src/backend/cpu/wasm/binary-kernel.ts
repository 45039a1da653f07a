/**
 * Emits `binary(op, x, xRow, xInner, y, yRow, yInner, out, rows, cols)`: out[r, j] = x[r, j] op y[r, j] for
 * float32 operands at byte addresses x and y whose rows are `xRow` / `yRow` bytes apart and whose elements
 * along a row are consecutive (`inner` 1) or one value repeated (`inner` 0, a broadcast); `out` is
 * contiguous [rows, cols]. op: 0 add, 1 sub, 2 mul, 3 div. One float32 operation per element, so the
 * results are those of the reference kernels (which round the exact float64 result once) bit for bit.
 */
import type { FuncRef } from "./asm/code.js";
import { F, I, V, type Ex } from "./asm/expr.js";
import type { ModuleBuilder } from "./asm/module.js";

/** Operation codes of the `op` argument. */
export const BINARY_OPS = { add: 0, sub: 1, mul: 2, div: 3 } as const;

/** Name of an operation the kernel computes. */
export type BinaryKernelOp = keyof typeof BINARY_OPS;

const vop = (op: BinaryKernelOp, a: Ex<"v128">, b: Ex<"v128">): Ex<"v128"> => (op === "add" ? V.add(a, b) : op === "sub" ? V.sub(a, b) : op === "mul" ? V.mul(a, b) : V.div(a, b));
const fop = (op: BinaryKernelOp, a: Ex<"f32">, b: Ex<"f32">): Ex<"f32"> => (op === "add" ? F.add(a, b) : op === "sub" ? F.sub(a, b) : op === "mul" ? F.mul(a, b) : F.div(a, b));

/** Emits and exports `binary(op, x, xRow, xInner, y, yRow, yInner, out, rows, cols)`. */
export function emitBinary(mod: ModuleBuilder): FuncRef {
  const i32 = "i32" as const;
  return mod.func("binary", [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32] as const, undefined, (c, [op, x, xRow, xInner, y, yRow, yInner, out, rows, cols]) => {
    const r = c.local(i32), j = c.local(i32), px = c.local(i32), py = c.local(i32), po = c.local(i32), vend = c.local(i32);
    const sx = c.local("v128"), sy = c.local("v128");
    const rowBytes = c.let(i32, I.shl(cols, 2));
    c.set(vend, I.and(cols, -4));
    const loop = (o: BinaryKernelOp, xi: boolean, yi: boolean): void => {
      c.for(r, 0, rows, 1, () => {
        c.set(px, I.add(x, I.mul(r, xRow)));
        c.set(py, I.add(y, I.mul(r, yRow)));
        c.set(po, I.add(out, I.mul(r, rowBytes)));
        if (!xi) c.set(sx, V.loadSplat(px));
        if (!yi) c.set(sy, V.loadSplat(py));
        c.for(j, 0, vend, 4, () => {
          const off = I.shl(j, 2);
          c.storeV128(I.add(po, off), vop(o, xi ? V.load(I.add(px, off)) : sx, yi ? V.load(I.add(py, off)) : sy));
        });
        c.for(j, vend, cols, 1, () => {
          const off = I.shl(j, 2);
          c.storeF32(I.add(po, off), fop(o, F.load(xi ? I.add(px, off) : px), F.load(yi ? I.add(py, off) : py)));
        });
      });
    };
    for (const [o, code] of Object.entries(BINARY_OPS) as [BinaryKernelOp, number][]) {
      c.if(I.eq(op, code), () => {
        c.if(
          xInner,
          () => c.if(yInner, () => loop(o, true, true), () => loop(o, true, false)),
          () => loop(o, false, true),
        );
      });
    }
  });
}
