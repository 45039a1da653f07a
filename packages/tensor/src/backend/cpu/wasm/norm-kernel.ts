/**
 * The normalising pass of group and layer norm (the statistics come from `rowMoments`), four lanes at a time:
 *
 * - `normSegments(x, y, rows, segs, segLen, params, act)`: row r of x is `segs` segments of `segLen`
 *   consecutive floats (group norm: the group's channels); segment s of row r is written as
 *   y = (x - mu) * a + b with [mu, mu', a, b] the four float32 at params + 16 (r segs + s): the mean as the
 *   sum of two floats (mu + mu', so that x - mean keeps float32 accuracy when the mean is large against the
 *   spread), a = rstd * weight[c], b = bias[c]; then, when `act` is not 0, the activation kernel `act` (ACTIVATION_KINDS) over the row just
 *   written (still in cache).
 * - `normRows(x, y, rows, len, stats, w, b)`: row r of `len` floats as y = (x - mu) * rstd * w[j] + b[j] with
 *   [mu, mu', rstd] float32 at stats + 16 r (the mean as mu + mu'; layer norm; w and b are `len` floats each).
 *
 * x and y are contiguous; y may equal x.
 */
import type { FuncRef } from "./asm/code.js";
import { F, I, V } from "./asm/expr.js";
import type { ModuleBuilder } from "./asm/module.js";

/** Emits and exports `normSegments(x, y, rows, segs, segLen, params, act)`; `activation` is the activation kernel. */
export function emitNormSegments(mod: ModuleBuilder, activation: FuncRef): FuncRef {
  const i32 = "i32" as const;
  return mod.func("normSegments", [i32, i32, i32, i32, i32, i32, i32] as const, undefined, (c, [x, y, rows, segs, segLen, params, act]) => {
    const r = c.local(i32), s = c.local(i32), j = c.local(i32), px = c.local(i32), py = c.local(i32), prm = c.local(i32), vend = c.local(i32);
    const mu = c.local("v128"), mu2 = c.local("v128"), a = c.local("v128"), b = c.local("v128");
    const rowBytes = c.let(i32, I.shl(I.mul(segs, segLen), 2));
    const segBytes = c.let(i32, I.shl(segLen, 2));
    c.set(vend, I.and(segLen, -4));
    c.for(r, 0, rows, 1, () => {
      c.for(s, 0, segs, 1, () => {
        c.set(prm, I.add(params, I.shl(I.add(I.mul(r, segs), s), 4)));
        c.set(mu, V.loadSplat(prm));
        c.set(mu2, V.loadSplat(prm, 4));
        c.set(a, V.loadSplat(prm, 8));
        c.set(b, V.loadSplat(prm, 12));
        c.set(px, I.add(I.add(x, I.mul(r, rowBytes)), I.mul(s, segBytes)));
        c.set(py, I.add(I.add(y, I.mul(r, rowBytes)), I.mul(s, segBytes)));
        c.for(j, 0, vend, 4, () => {
          const off = I.shl(j, 2);
          c.storeV128(I.add(py, off), V.fma(V.sub(V.sub(V.load(I.add(px, off)), mu), mu2), a, b));
        });
        c.for(j, vend, segLen, 1, () => {
          const off = I.shl(j, 2);
          c.storeF32(I.add(py, off), F.add(F.mul(F.sub(F.sub(F.load(I.add(px, off)), V.lane(mu, 0)), V.lane(mu2, 0)), V.lane(a, 0)), V.lane(b, 0)));
        });
      });
      c.if(act, () => {
        const row = I.add(y, I.mul(r, rowBytes));
        c.call(activation, [act, row, 0, 0, row, 1, I.mul(segs, segLen)]);
      });
    });
  });
}

/** Emits and exports `normRows(x, y, rows, len, stats, w, b)`. */
export function emitNormRows(mod: ModuleBuilder): FuncRef {
  const i32 = "i32" as const;
  return mod.func("normRows", [i32, i32, i32, i32, i32, i32, i32] as const, undefined, (c, [x, y, rows, len, stats, w, b]) => {
    const r = c.local(i32), j = c.local(i32), px = c.local(i32), py = c.local(i32), vend = c.local(i32);
    const mu = c.local("v128"), mu2 = c.local("v128"), rstd = c.local("v128");
    const rowBytes = c.let(i32, I.shl(len, 2));
    c.set(vend, I.and(len, -4));
    c.for(r, 0, rows, 1, () => {
      c.set(mu, V.loadSplat(I.add(stats, I.shl(r, 4))));
      c.set(mu2, V.loadSplat(I.add(stats, I.shl(r, 4)), 4));
      c.set(rstd, V.loadSplat(I.add(stats, I.shl(r, 4)), 8));
      c.set(px, I.add(x, I.mul(r, rowBytes)));
      c.set(py, I.add(y, I.mul(r, rowBytes)));
      c.for(j, 0, vend, 4, () => {
        const off = I.shl(j, 2);
        c.storeV128(I.add(py, off), V.fma(V.mul(V.sub(V.sub(V.load(I.add(px, off)), mu), mu2), rstd), V.load(I.add(w, off)), V.load(I.add(b, off))));
      });
      c.for(j, vend, len, 1, () => {
        const off = I.shl(j, 2);
        c.storeF32(I.add(py, off), F.add(F.mul(F.mul(F.sub(F.sub(F.load(I.add(px, off)), V.lane(mu, 0)), V.lane(mu2, 0)), V.lane(rstd, 0)), F.load(I.add(w, off))), F.load(I.add(b, off))));
      });
    });
  });
}
