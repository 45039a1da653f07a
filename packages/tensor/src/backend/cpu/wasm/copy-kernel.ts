/**
 * Emits `copyRuns(src, s0, s1, s2, dst, d0, d1, d2, n0, n1, n2, len, zero, step)`: for every i0 < n0,
 * i1 < n1, i2 < n2, copies `len` float32 `step` bytes apart from src + i0 s0 + i1 s1 + i2 s2 to consecutive
 * floats at dst + i0 d0 + i1 d1 + i2 d2 (strides in bytes, any sign; `step` 4 takes the vector path), or
 * writes `len` zeros there when `zero` is not 0 (src is then unused). The strided copies of the CPU backend
 * (contiguous copies of views, Winograd's padded planes and its cropped output, im2col) run on it. Runs
 * must not overlap between source and destination.
 */
import type { FuncRef } from "./asm/code.js";
import { F, I, V } from "./asm/expr.js";
import type { ModuleBuilder } from "./asm/module.js";

/** Emits and exports `copyRuns`. */
export function emitCopyRuns(mod: ModuleBuilder): FuncRef {
  const i32 = "i32" as const;
  return mod.func("copyRuns", [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32] as const, undefined, (c, [src, s0, s1, s2, dst, d0, d1, d2, n0, n1, n2, len, zero, step]) => {
    const i0 = c.local(i32), i1 = c.local(i32), i2 = c.local(i32), j = c.local(i32);
    const ps = c.local(i32), pd = c.local(i32), end16 = c.local(i32), vend = c.local(i32);
    c.set(end16, I.and(len, -16));
    c.set(vend, I.and(len, -4));
    const nest = (run: () => void): void => {
      c.for(i0, 0, n0, 1, () => {
        c.for(i1, 0, n1, 1, () => {
          c.for(i2, 0, n2, 1, () => {
            c.set(ps, I.add(I.add(I.add(src, I.mul(i0, s0)), I.mul(i1, s1)), I.mul(i2, s2)));
            c.set(pd, I.add(I.add(I.add(dst, I.mul(i0, d0)), I.mul(i1, d1)), I.mul(i2, d2)));
            run();
          });
        });
      });
    };
    c.if(
      zero,
      () =>
        nest(() => {
          c.for(j, 0, vend, 4, () => c.storeV128(I.add(pd, I.shl(j, 2)), V.zero()));
          c.for(j, vend, len, 1, () => c.storeF32(I.add(pd, I.shl(j, 2)), 0));
        }),
      () =>
        c.if(
          I.ne(step, 4),
          () =>
            nest(() => {
              c.for(j, 0, len, 1, () => {
                c.storeF32(I.add(pd, I.shl(j, 2)), F.load(ps));
                c.set(ps, I.add(ps, step));
              });
            }),
          () =>
        nest(() => {
          c.for(j, 0, end16, 16, () => {
            const off = I.shl(j, 2);
            c.storeV128(I.add(pd, off), V.load(I.add(ps, off)));
            c.storeV128(I.add(pd, off), V.load(I.add(ps, off), 16), 16);
            c.storeV128(I.add(pd, off), V.load(I.add(ps, off), 32), 32);
            c.storeV128(I.add(pd, off), V.load(I.add(ps, off), 48), 48);
          });
          c.for(j, end16, vend, 4, () => c.storeV128(I.add(pd, I.shl(j, 2)), V.load(I.add(ps, I.shl(j, 2)))));
          c.for(j, vend, len, 1, () => c.storeF32(I.add(pd, I.shl(j, 2)), F.load(I.add(ps, I.shl(j, 2)))));
        }),
        ),
    );
  });
}
