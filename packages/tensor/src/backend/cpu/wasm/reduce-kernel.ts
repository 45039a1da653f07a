/**
 * Float64-accumulating reductions of float32 rows, four lanes at a time (the reference kernels sum in
 * float64 too, so results agree to the last float32 bit except where the summation order matters in float64):
 *
 * - `rowMoments(x, rowBytes, rows, len, squares, out)`: for each row r of `len` consecutive floats at
 *   x + r rowBytes, writes two f64x2 at out + 32 r: the partial sums of x (lanes to be added) and, when
 *   `squares`, of x^2 (else zeros). The caller adds the two lanes of each.
 * - `colSums(x, rowBytes, rows, cols, acc)`: acc[j] += sum_r x[r, j] for j < cols (float64 accumulators at
 *   `acc`, 16-byte aligned, with room for cols + 1 doubles: the last odd column's pair writes one past it).
 */
import type { FuncRef } from "./asm/code.js";
import { I, V, type Local } from "./asm/expr.js";
import type { ModuleBuilder } from "./asm/module.js";
import { D } from "./simd-f64.js";

/** A v128 local: four float32 or two float64 values. */
type V128Local = Local<"v128">;

/** Emits and exports `rowMoments(x, rowBytes, rows, len, squares, out)`. */
export function emitRowMoments(mod: ModuleBuilder): FuncRef {
  const i32 = "i32" as const;
  return mod.func("rowMoments", [i32, i32, i32, i32, i32, i32] as const, undefined, (c, [x, rowBytes, rows, len, squares, out]) => {
    const r = c.local(i32), j = c.local(i32), p = c.local(i32), vend = c.local(i32), end8 = c.local(i32);
    const v = c.local("v128"), w = c.local("v128"), lo = c.local("v128"), hi = c.local("v128");
    const s0 = c.local("v128"), s1 = c.local("v128"), s2 = c.local("v128"), s3 = c.local("v128");
    const q0 = c.local("v128"), q1 = c.local("v128"), q2 = c.local("v128"), q3 = c.local("v128");
    c.set(vend, I.and(len, -4));
    c.set(end8, I.and(len, -8));
    const rowLoop = (sq: boolean): void => {
      /** Adds the four floats of `f` (promoted) to the pairs sLo, sHi and, when `sq`, their squares to qLo, qHi. */
      const accumulate = (f: V128Local, sLo: V128Local, sHi: V128Local, qLo: V128Local, qHi: V128Local): void => {
        c.set(lo, D.promoteLow(f));
        c.set(hi, D.promoteHigh(f));
        c.set(sLo, D.add(sLo, lo));
        c.set(sHi, D.add(sHi, hi));
        if (sq) {
          c.set(qLo, D.add(qLo, D.mul(lo, lo)));
          c.set(qHi, D.add(qHi, D.mul(hi, hi)));
        }
      };
      c.for(r, 0, rows, 1, () => {
        c.set(p, I.add(x, I.mul(r, rowBytes)));
        for (const a of [s0, s1, s2, s3, q0, q1, q2, q3]) c.set(a, V.zero());
        // eight floats per round on four independent float64 chains (add latency)
        c.for(j, 0, end8, 8, () => {
          c.set(v, V.load(I.add(p, I.shl(j, 2))));
          c.set(w, V.load(I.add(p, I.shl(j, 2)), 16));
          accumulate(v, s0, s1, q0, q1);
          accumulate(w, s2, s3, q2, q3);
        });
        c.for(j, end8, vend, 4, () => {
          c.set(v, V.load(I.add(p, I.shl(j, 2))));
          accumulate(v, s0, s1, q0, q1);
        });
        c.for(j, vend, len, 1, () => {
          c.set(lo, D.promoteLow(V.load32Zero(I.add(p, I.shl(j, 2)))));
          c.set(s2, D.add(s2, lo));
          if (sq) c.set(q2, D.add(q2, D.mul(lo, lo)));
        });
        const o = I.add(out, I.shl(r, 5));
        c.storeV128(o, D.add(D.add(s0, s2), D.add(s1, s3)));
        c.storeV128(o, D.add(D.add(q0, q2), D.add(q1, q3)), 16);
      });
    };
    c.if(squares, () => rowLoop(true), () => rowLoop(false));
  });
}

/** Emits and exports `colSums(x, rowBytes, rows, cols, acc)`. */
export function emitColSums(mod: ModuleBuilder): FuncRef {
  const i32 = "i32" as const;
  return mod.func("colSums", [i32, i32, i32, i32, i32] as const, undefined, (c, [x, rowBytes, rows, cols, acc]) => {
    const r = c.local(i32), j = c.local(i32), p = c.local(i32), a = c.local(i32), vend = c.local(i32);
    const v = c.local("v128");
    c.set(vend, I.and(cols, -4));
    c.for(r, 0, rows, 1, () => {
      c.set(p, I.add(x, I.mul(r, rowBytes)));
      c.for(j, 0, vend, 4, () => {
        c.set(v, V.load(I.add(p, I.shl(j, 2))));
        c.set(a, I.add(acc, I.shl(j, 3)));
        c.storeV128(a, D.add(V.load(a), D.promoteLow(v)));
        c.storeV128(a, D.add(V.load(a, 16), D.promoteHigh(v)), 16);
      });
      // the rest one at a time: lane 1 of the pair gets + 0 (the next column, or the spare double)
      c.for(j, vend, cols, 1, () => {
        c.set(a, I.add(acc, I.shl(j, 3)));
        c.storeV128(a, D.add(V.load(a), D.promoteLow(V.load32Zero(I.add(p, I.shl(j, 2))))));
      });
    });
  });
}
