/**
 * The two passes of the fused normalisation backward (input gradient over rows; the row statistics come from
 * `rowMoments`), four lanes at a time:
 *
 * - `normGradSums(x, g, rows, len, stats, out)`: for row r of `len` floats of x and g, with [mu, mu'] the
 *   float32 pair at stats + 16 r (the mean as mu + mu', as in norm-kernel.ts), stores at out + 32 r the
 *   float64 sums (two f64x2 lane pairs each) of g and of g * (x - mu - mu');
 * - `normGradApply(x, g, y, rows, len, coef)`: y = a g + b (x - mu - mu') + c with [mu, mu', a, b, c] the
 *   float32 at coef + 32 r. y may equal g.
 *
 * x, g and y are contiguous rows.
 */
import type { FuncRef } from "./asm/code.js";
import { F, I, V } from "./asm/expr.js";
import type { ModuleBuilder } from "./asm/module.js";
import { D } from "./simd-f64.js";

/** Emits and exports `normGradSums(x, g, rows, len, stats, out)`. */
export function emitNormGradSums(mod: ModuleBuilder): FuncRef {
  const i32 = "i32" as const;
  return mod.func("normGradSums", [i32, i32, i32, i32, i32, i32] as const, undefined, (c, [x, g, rows, len, stats, out]) => {
    const r = c.local(i32), j = c.local(i32), px = c.local(i32), pg = c.local(i32), vend = c.local(i32);
    const mu = c.local("v128"), mu2 = c.local("v128"), gv = c.local("v128"), xc = c.local("v128");
    const gLo = c.local("v128"), gHi = c.local("v128");
    const s0 = c.local("v128"), s1 = c.local("v128"), q0 = c.local("v128"), q1 = c.local("v128");
    const rowBytes = c.let(i32, I.shl(len, 2));
    c.set(vend, I.and(len, -4));
    c.for(r, 0, rows, 1, () => {
      c.set(mu, V.loadSplat(I.add(stats, I.shl(r, 4))));
      c.set(mu2, V.loadSplat(I.add(stats, I.shl(r, 4)), 4));
      c.set(px, I.add(x, I.mul(r, rowBytes)));
      c.set(pg, I.add(g, I.mul(r, rowBytes)));
      for (const a of [s0, s1, q0, q1]) c.set(a, V.zero());
      c.for(j, 0, vend, 4, () => {
        const off = I.shl(j, 2);
        c.set(gv, V.load(I.add(pg, off)));
        c.set(xc, V.sub(V.sub(V.load(I.add(px, off)), mu), mu2));
        c.set(gLo, D.promoteLow(gv));
        c.set(gHi, D.promoteHigh(gv));
        c.set(s0, D.add(s0, gLo));
        c.set(s1, D.add(s1, gHi));
        c.set(q0, D.add(q0, D.mul(gLo, D.promoteLow(xc))));
        c.set(q1, D.add(q1, D.mul(gHi, D.promoteHigh(xc))));
      });
      c.for(j, vend, len, 1, () => {
        const off = I.shl(j, 2);
        // one float in lane 0, zeros elsewhere: the other lanes add nothing
        c.set(gLo, D.promoteLow(V.load32Zero(I.add(pg, off))));
        c.set(xc, V.sub(V.sub(V.load32Zero(I.add(px, off)), mu), mu2));
        c.set(s0, D.add(s0, gLo));
        c.set(q0, D.add(q0, D.mul(gLo, D.promoteLow(xc))));
      });
      const o = I.add(out, I.shl(r, 5));
      c.storeV128(o, D.add(s0, s1));
      c.storeV128(o, D.add(q0, q1), 16);
    });
  });
}

/** Emits and exports `normGradApply(x, g, y, rows, len, coef)`. */
export function emitNormGradApply(mod: ModuleBuilder): FuncRef {
  const i32 = "i32" as const;
  return mod.func("normGradApply", [i32, i32, i32, i32, i32, i32] as const, undefined, (c, [x, g, y, rows, len, coef]) => {
    const r = c.local(i32), j = c.local(i32), px = c.local(i32), pg = c.local(i32), py = c.local(i32), pc = c.local(i32), vend = c.local(i32);
    const mu = c.local("v128"), mu2 = c.local("v128"), a = c.local("v128"), b = c.local("v128"), k = c.local("v128");
    const rowBytes = c.let(i32, I.shl(len, 2));
    c.set(vend, I.and(len, -4));
    c.for(r, 0, rows, 1, () => {
      c.set(pc, I.add(coef, I.shl(r, 5)));
      c.set(mu, V.loadSplat(pc));
      c.set(mu2, V.loadSplat(pc, 4));
      c.set(a, V.loadSplat(pc, 8));
      c.set(b, V.loadSplat(pc, 12));
      c.set(k, V.loadSplat(pc, 16));
      c.set(px, I.add(x, I.mul(r, rowBytes)));
      c.set(pg, I.add(g, I.mul(r, rowBytes)));
      c.set(py, I.add(y, I.mul(r, rowBytes)));
      c.for(j, 0, vend, 4, () => {
        const off = I.shl(j, 2);
        const xc = V.sub(V.sub(V.load(I.add(px, off)), mu), mu2);
        c.storeV128(I.add(py, off), V.fma(xc, b, V.fma(V.load(I.add(pg, off)), a, k)));
      });
      c.for(j, vend, len, 1, () => {
        const off = I.shl(j, 2);
        const xc = F.sub(F.sub(F.load(I.add(px, off)), V.lane(mu, 0)), V.lane(mu2, 0));
        c.storeF32(I.add(py, off), F.add(F.mul(xc, V.lane(b, 0)), F.add(F.mul(F.load(I.add(pg, off)), V.lane(a, 0)), V.lane(k, 0))));
      });
    });
  });
}
