/**
 * Emits `activation(kind, x, bias, hasBias, y, rows, cols)`: for row-major [rows, cols] float32 at byte
 * addresses x and y (y may equal x), y[r, j] = act(x[r, j] + bias[j]) (the bias only when `hasBias`), four
 * lanes at a time, on float32 arithmetic:
 *
 * - sigmoid(z) = (z >= 0 ? 1 : e) / (1 + e) with e = exp(-|z|) (no cancellation on either side), and its
 *   complement 1 - sigmoid(z) = (z >= 0 ? e : 1) / (1 + e) for the derivatives;
 * - Phi(x) = 1 - q or q (x >= 0 or not) with q = erfc(|x| / sqrt 2) / 2, erfc by the Chebyshev fit of
 *   Numerical Recipes (`erfcc`: fractional error below 1.2e-7 everywhere, one exp), so the erf GELU keeps its
 *   relative accuracy in the negative tail;
 * - exp by the Cephes reduction and polynomial of softmax-kernel.ts.
 *
 * A NaN input gives NaN. The result differs from the reference kernels (float64, rounded once) by a few
 * float32 roundings.
 */
import type { Code, FuncRef } from "./asm/code.js";
import { F, I, V, type Local } from "./asm/expr.js";
import type { ModuleBuilder } from "./asm/module.js";
import { emitExp } from "./softmax-kernel.js";

/** Activation codes of the `kind` argument. */
export const ACTIVATION_KINDS = {
  none: 0,
  sigmoid: 2,
  silu: 3,
  siluDerivative: 4,
  quickGelu: 5,
  quickGeluDerivative: 6,
  gelu: 7,
  geluDerivative: 8,
} as const;

/** Name of an activation the kernel computes. */
export type ActivationKind = keyof typeof ACTIVATION_KINDS;

const ERFC = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
const SQRT1_2 = 0.7071067811865476;
const INV_SQRT_2PI = 0.3989422804014327;

interface Scratch {
  a: Local<"v128">;
  e: Local<"v128">;
  p: Local<"v128">;
  s: Local<"v128">;
  t: Local<"v128">;
  n: Local<"v128">;
  m: Local<"v128">;
}

/** s = sigmoid(z) and, when `comp` is given, comp = 1 - sigmoid(z), both without cancellation. */
function emitSigmoid(c: Code, z: Local<"v128">, w: Scratch, comp?: Local<"v128">): void {
  c.set(w.a, V.neg(V.abs(z)));
  emitExp(c, w.a, w.e, w.t, w.n);
  c.set(w.p, V.div(V.splat(1), V.add(V.splat(1), w.e)));
  c.set(w.m, V.ge(z, V.zero()));
  c.set(w.a, V.mul(w.e, w.p));
  c.set(w.s, V.bitselect(w.p, w.a, w.m));
  if (comp) c.set(comp, V.bitselect(w.a, w.p, w.m));
}

/** s = Phi(x), the standard normal CDF. */
function emitPhi(c: Code, x: Local<"v128">, w: Scratch): void {
  const u = w.a;
  c.set(u, V.mul(V.abs(x), V.splat(SQRT1_2)));
  c.set(w.p, V.div(V.splat(1), V.add(V.splat(1), V.mul(V.splat(0.5), u))));
  c.set(w.s, V.splat(ERFC[ERFC.length - 1]!));
  for (let i = ERFC.length - 2; i >= 0; i--) c.set(w.s, V.fma(w.s, w.p, V.splat(ERFC[i]!)));
  // u^2 as x^2 / 2 (one rounding; squaring the rounded u would double the error of the tail)
  c.set(w.s, V.sub(w.s, V.mul(V.mul(x, x), V.splat(0.5))));
  emitExp(c, w.s, w.e, w.t, w.n);
  // q = erfc(u) / 2
  c.set(w.e, V.mul(V.mul(w.p, w.e), V.splat(0.5)));
  c.set(w.s, V.bitselect(V.sub(V.splat(1), w.e), w.e, V.ge(x, V.zero())));
}

/** out = act(v) lane-wise (v is kept). */
function emitAct(c: Code, kind: ActivationKind, v: Local<"v128">, out: Local<"v128">, w: Scratch, q: Local<"v128">): void {
  switch (kind) {
    case "none":
      c.set(out, v);
      return;
    case "sigmoid":
      emitSigmoid(c, v, w);
      c.set(out, w.s);
      break;
    case "silu":
      emitSigmoid(c, v, w);
      c.set(out, V.mul(v, w.s));
      break;
    case "siluDerivative":
      // s (1 + x (1 - s))
      emitSigmoid(c, v, w, q);
      c.set(out, V.mul(w.s, V.fma(v, q, V.splat(1))));
      break;
    case "quickGelu":
      c.set(q, V.mul(v, V.splat(1.702)));
      emitSigmoid(c, q, w);
      c.set(out, V.mul(v, w.s));
      break;
    case "quickGeluDerivative":
      // s (1 + 1.702 x (1 - s)), s = sigmoid(1.702 x)
      c.set(out, V.mul(v, V.splat(1.702)));
      emitSigmoid(c, out, w, q);
      c.set(out, V.mul(w.s, V.fma(out, q, V.splat(1))));
      break;
    case "gelu":
      emitPhi(c, v, w);
      c.set(out, V.mul(v, w.s));
      break;
    case "geluDerivative":
      // Phi(x) + x phi(x)
      emitPhi(c, v, w);
      c.set(q, V.mul(V.mul(v, v), V.splat(-0.5)));
      emitExp(c, q, out, w.t, w.n);
      c.set(out, V.fma(V.mul(v, out), V.splat(INV_SQRT_2PI), w.s));
      break;
  }
  // a NaN input gives NaN (the masks above drop it)
  c.set(out, V.bitselect(out, v, V.eq(v, v)));
}

/** Emits and exports `activation(kind, x, bias, hasBias, y, rows, cols)`. */
export function emitActivation(mod: ModuleBuilder): FuncRef {
  const i32 = "i32" as const;
  return mod.func("activation", [i32, i32, i32, i32, i32, i32, i32] as const, undefined, (c, [kind, x, bias, hasBias, y, rows, cols]) => {
    const r = c.local(i32), j = c.local(i32), px = c.local(i32), py = c.local(i32), vend = c.local(i32);
    const v = c.local("v128"), out = c.local("v128"), q = c.local("v128");
    const w: Scratch = { a: c.local("v128"), e: c.local("v128"), p: c.local("v128"), s: c.local("v128"), t: c.local("v128"), n: c.local("v128"), m: c.local("v128") };
    const rowBytes = c.let(i32, I.shl(cols, 2));
    c.set(vend, I.and(cols, -4));
    const rowLoop = (k: ActivationKind, withBias: boolean): void => {
      c.for(r, 0, rows, 1, () => {
        c.set(px, I.add(x, I.mul(r, rowBytes)));
        c.set(py, I.add(y, I.mul(r, rowBytes)));
        c.for(j, 0, vend, 4, () => {
          const off = I.shl(j, 2);
          c.set(v, withBias ? V.add(V.load(I.add(px, off)), V.load(I.add(bias, off))) : V.load(I.add(px, off)));
          emitAct(c, k, v, out, w, q);
          c.storeV128(I.add(py, off), out);
        });
        c.for(j, vend, cols, 1, () => {
          const off = I.shl(j, 2);
          c.set(v, withBias ? V.add(V.splat(F32load(px, off)), V.splat(F32load(bias, off))) : V.splat(F32load(px, off)));
          emitAct(c, k, v, out, w, q);
          c.storeF32(I.add(py, off), V.lane(out, 0));
        });
      });
    };
    for (const [k, code] of Object.entries(ACTIVATION_KINDS) as [ActivationKind, number][]) {
      c.if(I.eq(kind, code), () => c.if(hasBias, () => rowLoop(k, true), () => rowLoop(k, false)));
    }
  });
}

function F32load(base: Local<"i32">, off: ReturnType<typeof I.shl>): ReturnType<typeof F.load> {
  return F.load(I.add(base, off));
}
