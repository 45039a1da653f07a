import { add, div, keep, mapTree, mul, sqrt, square, sub, tidy, zerosLike } from "@diva/tensor";
import { checkGradShape } from "./fmt.js";

/** Options of AdamW (torch.optim.AdamW semantics). */
export interface AdamWOptions {
  /** Learning rate. */
  lr: number;
  /** Decay of the first moment (default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999). */
  beta2?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Decoupled weight decay (default 0.01 as torch). */
  weightDecay?: number;
}

/** AdamW state: step count and first/second moment trees. */
export interface AdamWState<P> {
  /** Steps taken. */
  readonly step: number;
  /** First moments, shaped like the parameters (null before the first step). */
  readonly m: P | null;
  /** Second moments, shaped like the parameters (null before the first step). */
  readonly v: P | null;
}

/** Fresh AdamW state. */
export function adamwInit<P>(): AdamWState<P> {
  return { step: 0, m: null, v: null };
}

/**
 * One AdamW step: p *= 1 - lr*wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps). Returns new params and state (kept).
 */
export function adamwStep<P>(params: P, grads: P, state: AdamWState<P>, options: AdamWOptions, lr = options.lr): [P, AdamWState<P>] {
  const b1 = options.beta1 ?? 0.9;
  const b2 = options.beta2 ?? 0.999;
  const eps = options.eps ?? 1e-8;
  const wd = options.weightDecay ?? 0.01;
  const t = state.step + 1;
  return tidy(() => {
    const g = mapTree(checkGradShape, params, grads);
    const zeros = (): P => mapTree((p) => zerosLike(p), params);
    const m = mapTree((m0, gi) => add(mul(m0, b1), mul(gi, 1 - b1)), state.m ?? zeros(), g);
    const v = mapTree((v0, gi) => add(mul(v0, b2), mul(square(gi), 1 - b2)), state.v ?? zeros(), g);
    const next = mapTree(
      (p, mi, vi) => {
        const mHat = div(mi, 1 - b1 ** t);
        const vHat = div(vi, 1 - b2 ** t);
        const decayed = wd !== 0 ? mul(p, 1 - lr * wd) : p;
        return sub(decayed, mul(div(mHat, add(sqrt(vHat), eps)), lr));
      },
      params,
      m,
      v,
    );
    return [keep(next), { step: t, m: keep(m), v: keep(v) }] as [P, AdamWState<P>];
  });
}
