/**
 * Emits a fused row softmax: `softmaxRows(x, y, rows, cols)` with x and y byte addresses of row-major
 * [rows, cols] f32 (y may equal x). One pass for the max, one for exp and the sum, one to scale, with a
 * vectorised exp (Cephes range reduction and polynomial, ~1 ulp; inputs below -86 after the shift give 0).
 */
import type { Code } from "./asm/code.js";
import { F, I, V, type Local } from "./asm/expr.js";
import type { ModuleBuilder } from "./asm/module.js";
import type { FuncRef } from "./asm/code.js";

const LOG2E = 1.4426950408889634;
const C1 = 0.693359375;
const C2 = -2.12194440e-4;
const P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/** Emits `out = exp(x)` lane-wise for x <= 0 (x is clobbered; `t` and `n` are scratch). */
export function emitExp(c: Code, x: Local<"v128">, out: Local<"v128">, t: Local<"v128">, n: Local<"v128">): void {
  c.set(t, V.ge(x, V.splat(-86)));
  c.set(x, V.max(x, V.splat(-86)));
  c.set(n, V.nearest(V.mul(x, V.splat(LOG2E))));
  c.set(x, V.sub(V.sub(x, V.mul(n, V.splat(C1))), V.mul(n, V.splat(C2))));
  c.set(out, V.splat(P[0]!));
  for (let i = 1; i < P.length; i++) c.set(out, V.fma(out, x, V.splat(P[i]!)));
  c.set(out, V.add(V.fma(out, V.mul(x, x), x), V.splat(1)));
  // Scale by 2^n through the exponent bits.
  c.set(out, V.addI(out, V.shlI(V.truncSatI(n), 23)));
  c.set(out, V.bitselect(out, V.zero(), t));
}

/** Emits and exports `softmaxRows(x, y, rows, cols)`. */
export function emitSoftmax(mod: ModuleBuilder): FuncRef {
  const i32 = "i32" as const;
  return mod.func("softmaxRows", [i32, i32, i32, i32] as const, undefined, (c, [x, y, rows, cols]) => {
    const r = c.local(i32), j = c.local(i32), px = c.local(i32), py = c.local(i32), vend = c.local(i32);
    const vmax = c.local("v128"), vsum = c.local("v128"), v = c.local("v128"), e = c.local("v128");
    const t = c.local("v128"), nn = c.local("v128"), vm = c.local("v128");
    const mx = c.local("f32"), sum = c.local("f32");
    const rowBytes = c.let(i32, I.shl(cols, 2));
    c.set(vend, I.and(cols, -4));
    c.for(r, 0, rows, 1, () => {
      c.set(px, I.add(x, I.mul(r, rowBytes)));
      c.set(py, I.add(y, I.mul(r, rowBytes)));
      // Max.
      c.set(vmax, V.splat(-Infinity));
      c.for(j, 0, vend, 4, () => c.set(vmax, V.max(vmax, V.load(I.add(px, I.shl(j, 2))))));
      c.set(mx, F.max(F.max(V.lane(vmax, 0), V.lane(vmax, 1)), F.max(V.lane(vmax, 2), V.lane(vmax, 3))));
      c.for(j, vend, cols, 1, () => c.set(mx, F.max(mx, F.load(I.add(px, I.shl(j, 2))))));
      c.set(vm, V.splat(mx));
      // exp(x - max) and the sum.
      c.set(vsum, V.zero());
      c.for(j, 0, vend, 4, () => {
        c.set(v, V.sub(V.load(I.add(px, I.shl(j, 2))), vm));
        emitExp(c, v, e, t, nn);
        c.storeV128(I.add(py, I.shl(j, 2)), e);
        c.set(vsum, V.add(vsum, e));
      });
      c.set(sum, V.hsum(vsum));
      c.for(j, vend, cols, 1, () => {
        c.set(v, V.splat(F.sub(F.load(I.add(px, I.shl(j, 2))), mx)));
        emitExp(c, v, e, t, nn);
        c.storeF32(I.add(py, I.shl(j, 2)), V.lane(e, 0));
        c.set(sum, F.add(sum, V.lane(e, 0)));
      });
      // Normalise.
      c.set(mx, F.div(1, sum));
      c.set(vm, V.splat(mx));
      c.for(j, 0, vend, 4, () => {
        const addr = I.add(py, I.shl(j, 2));
        c.storeV128(addr, V.mul(V.load(addr), vm));
      });
      c.for(j, vend, cols, 1, () => {
        const addr = I.add(py, I.shl(j, 2));
        c.storeF32(addr, F.mul(F.load(addr), mx));
      });
    });
  });
}
