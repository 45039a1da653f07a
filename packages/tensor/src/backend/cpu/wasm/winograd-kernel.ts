/**
 * Emits the Winograd F(2x2, 3x3) transforms, four tiles per vector (tiles tx..tx+3 of one tile row in the
 * lanes), as pool tasks over ranges of channel planes:
 *
 * `winogradInput(xp, v, q0, q1, C, th, tw, wp, planeBytes, T, xiBytes)`: for planes q in [q0, q1)
 * (q = n * C + c) of the zero-padded input xp (each plane (2 th + 2) rows of `wp` >= 2 tw4 + 2 floats, tw4
 * = tw rounded up to a multiple of 4), V[xi][c][t] = (B^T d B)[xi] with t = (n * th + ty) * tw + tx;
 * consecutive xi are `xiBytes` apart. The last group of a tile row stores only its valid lanes.
 *
 * `winogradOutput(m, y, q0, q1, O, th, tw, T, xiBytes)`: for planes q in [q0, q1) (q = n * O + o),
 * y[q][2 ty + i][2 tx + j] = (A^T M A)[i][j] of M[xi][o][t], into planes of 2 th rows of 2 tw4 floats (the
 * columns past 2 tw hold garbage). Reads up to 3 floats past the end of M.
 * Only additions and subtractions, each rounded to float32 (the JavaScript
 * transforms round once per transformed value, so the two differ in the last bit now and then).
 */
import type { FuncRef } from "./asm/code.js";
import { I, V, type Local } from "./asm/expr.js";
import type { ModuleBuilder } from "./asm/module.js";

const i32 = "i32" as const;
const EVEN = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
const ODD = [4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31];
/** Lanes (a0, b0, a1, b1) and (a2, b2, a3, b3) of two f32x4 vectors. */
const LO = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const HI = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];

export function emitWinograd(mod: ModuleBuilder): { input: FuncRef; output: FuncRef } {
  const input = mod.func(
    "winogradInput",
    [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32] as const,
    undefined,
    (c, [xp, v, q0, q1, C, th, tw, wp, planeBytes, T, xiBytes]) => {
      const q = c.local(i32), ty = c.local(i32), tx = c.local(i32), rem = c.local(i32);
      const plane = c.local(i32), dst = c.local(i32), row = c.local(i32), b = c.local(i32), p = c.local(i32);
      const res = Array.from({ length: 16 }, () => c.local("v128"));
      const rowBytes = c.let(i32, I.shl(wp, 2));
      const d = Array.from({ length: 16 }, () => c.local("v128"));
      const e = Array.from({ length: 16 }, () => c.local("v128"));
      const lo = c.local("v128"), hi = c.local("v128"), lo2 = c.local("v128"), hi2 = c.local("v128");
      c.for(q, q0, q1, 1, () => {
        c.set(plane, I.add(xp, I.mul(q, planeBytes)));
        // V[0][c][n * th * tw]
        c.set(dst, I.add(v, I.shl(I.add(I.mul(I.remU(q, C), T), I.mul(I.mul(I.divU(q, C), th), tw)), 2)));
        c.for(ty, 0, th, 1, () => {
          c.set(row, I.add(plane, I.mul(I.shl(ty, 1), rowBytes)));
          c.for(tx, 0, tw, 4, () => {
            c.set(b, I.add(row, I.shl(tx, 3)));
            for (let r = 0; r < 4; r++) {
              const at = r === 0 ? b : I.add(b, I.mul(rowBytes, r));
              c.set(lo, V.load(at));
              c.set(hi, V.load(at, 16));
              c.set(lo2, V.load(at, 8));
              c.set(hi2, V.load(at, 24));
              c.set(d[4 * r]!, V.shuffle(lo, hi, EVEN));
              c.set(d[4 * r + 1]!, V.shuffle(lo, hi, ODD));
              c.set(d[4 * r + 2]!, V.shuffle(lo2, hi2, EVEN));
              c.set(d[4 * r + 3]!, V.shuffle(lo2, hi2, ODD));
            }
            // B^T d, column by column
            for (let j = 0; j < 4; j++) {
              c.set(e[j]!, V.sub(d[j]!, d[8 + j]!));
              c.set(e[4 + j]!, V.add(d[4 + j]!, d[8 + j]!));
              c.set(e[8 + j]!, V.sub(d[8 + j]!, d[4 + j]!));
              c.set(e[12 + j]!, V.sub(d[4 + j]!, d[12 + j]!));
            }
            // (B^T d) B, row by row: xi = 4 i + k
            for (let i = 0; i < 4; i++) {
              const r = (k: number): Local<"v128"> => e[4 * i + k]!;
              [V.sub(r(0), r(2)), V.add(r(1), r(2)), V.sub(r(2), r(1)), V.sub(r(1), r(3))].forEach((val, k) => c.set(res[4 * i + k]!, val));
            }
            c.set(rem, I.sub(tw, tx));
            c.set(p, dst);
            c.if(
              I.geS(rem, 4),
              () => {
                for (const val of res) {
                  c.storeV128(p, val);
                  c.set(p, I.add(p, xiBytes));
                }
              },
              () => {
                for (const val of res) {
                  c.storeLane(p, val, 0);
                  c.if(I.gtS(rem, 1), () => c.storeLane(p, val, 1, 4));
                  c.if(I.gtS(rem, 2), () => c.storeLane(p, val, 2, 8));
                  c.set(p, I.add(p, xiBytes));
                }
              },
            );
            c.set(dst, I.add(dst, I.shl(I.minS(rem, 4), 2)));
          });
        });
      });
    },
  );
  const output = mod.func(
    "winogradOutput",
    [i32, i32, i32, i32, i32, i32, i32, i32, i32] as const,
    undefined,
    (c, [m, y, q0, q1, O, th, tw, T, xiBytes]) => {
      const q = c.local(i32), ty = c.local(i32), tx = c.local(i32);
      const src = c.local(i32), p = c.local(i32), row = c.local(i32);
      // rows of 2 tw4 floats
      const outRowBytes = c.let(i32, I.shl(I.and(I.add(tw, 3), -4), 3));
      const mv = Array.from({ length: 16 }, () => c.local("v128"));
      const s = Array.from({ length: 8 }, () => c.local("v128"));
      const y0 = c.local("v128"), y1 = c.local("v128");
      c.set(row, y);
      c.for(q, q0, q1, 1, () => {
        c.set(src, I.add(m, I.shl(I.add(I.mul(I.remU(q, O), T), I.mul(I.mul(I.divU(q, O), th), tw)), 2)));
        c.set(row, I.add(y, I.mul(q, I.mul(I.shl(th, 1), outRowBytes))));
        c.for(ty, 0, th, 1, () => {
          c.for(tx, 0, tw, 4, () => {
            c.set(p, src);
            for (let xi = 0; xi < 16; xi++) {
              c.set(mv[xi]!, V.load(p));
              if (xi < 15) c.set(p, I.add(p, xiBytes));
            }
            // A^T M, column by column
            for (let j = 0; j < 4; j++) {
              c.set(s[j]!, V.add(V.add(mv[j]!, mv[4 + j]!), mv[8 + j]!));
              c.set(s[4 + j]!, V.sub(V.sub(mv[4 + j]!, mv[8 + j]!), mv[12 + j]!));
            }
            for (let i = 0; i < 2; i++) {
              const r = (k: number): Local<"v128"> => s[4 * i + k]!;
              c.set(y0, V.add(V.add(r(0), r(1)), r(2)));
              c.set(y1, V.sub(V.sub(r(1), r(2)), r(3)));
              const at = I.add(I.add(row, I.mul(outRowBytes, i)), I.shl(tx, 3));
              c.storeV128(at, V.shuffle(y0, y1, LO));
              c.storeV128(at, V.shuffle(y0, y1, HI), 16);
            }
            c.set(src, I.add(src, I.shl(I.minS(I.sub(tw, tx), 4), 2)));
          });
          c.set(row, I.add(row, I.shl(outRowBytes, 1)));
        });
      });
    },
  );
  return { input, output };
}
