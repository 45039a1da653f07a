import { add, clone, keep, mapTree, mul, sub, tidy, treeLeaves, type Tensor } from "@diva/tensor";
import { checkGradShape } from "./fmt.js";

/** Options of SGD (torch.optim.SGD semantics). */
export interface SgdOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening of the momentum (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

/** SGD state: the momentum buffers, a tree shaped like the parameters (absent before the first step). */
export interface SgdState<P> {
  /** Steps taken. */
  readonly step: number;
  /** Momentum buffers, shaped like the parameters (null before the first step). */
  readonly momentum: P | null;
}

/** Fresh SGD state. */
export function sgdInit<P>(): SgdState<P> {
  return { step: 0, momentum: null };
}

/**
 * One SGD step, as torch.optim.SGD: d = g + wd*p; buf = momentum*buf + (1-dampening)*d (buf = d at the first
 * step); d = nesterov ? d + momentum*buf : buf; p = p - lr*d. Returns new params and state (kept tensors);
 * the caller disposes the old ones (see `disposeReplaced`).
 *
 * @example
 * ```ts
 * let state = sgdInit<typeof params>();
 * [params, state] = sgdStep(params, grads, state, { lr: 1e-4, momentum: 0.9 });
 * ```
 */
export function sgdStep<P>(params: P, grads: P, state: SgdState<P>, options: SgdOptions, lr = options.lr): [P, SgdState<P>] {
  const momentum = options.momentum ?? 0;
  const dampening = options.dampening ?? 0;
  const wd = options.weightDecay ?? 0;
  const g = mapTree(checkGradShape, params, grads);
  // one tidy per parameter: its temporaries (wd * p, the sum, lr * direction) are freed before the next one,
  // so the step holds the new parameters and buffers plus one parameter's temporaries (at ViT-L size each
  // temporary over the whole tree is 1.14 GiB)
  const decayed = (p: Tensor, gi: Tensor): Tensor => (wd !== 0 ? add(gi, mul(p, wd)) : gi);
  // the outer tidy frees what was made if a later parameter throws (mismatched momentum tree)
  return tidy(() => {
    if (momentum === 0) {
      const newParams = keep(mapTree((p, gi) => tidy(() => sub(p, mul(decayed(p, gi), lr))), params, g));
      return [newParams, { step: state.step + 1, momentum: null }] as [P, SgdState<P>];
    }
    // the first buffer is a copy of d (torch.clone), never the caller's gradient tensor itself
    const buffer = (p: Tensor, gi: Tensor, buf: Tensor | null): Tensor =>
      tidy(() => {
        const d = decayed(p, gi);
        return buf ? add(mul(buf, momentum), dampening !== 0 ? mul(d, 1 - dampening) : d) : clone(d);
      });
    const bufs = keep(state.momentum ? mapTree((p, gi, buf) => buffer(p, gi, buf), params, g, state.momentum) : mapTree((p, gi) => buffer(p, gi, null), params, g));
    // nesterov needs d again (recomputed per parameter rather than held for the whole tree)
    const step = (p: Tensor, gi: Tensor, b: Tensor): Tensor => tidy(() => sub(p, mul(options.nesterov ? add(decayed(p, gi), mul(b, momentum)) : b, lr)));
    const newParams = keep(mapTree(step, params, g, bufs));
    return [newParams, { step: state.step + 1, momentum: bufs }] as [P, SgdState<P>];
  });
}

/** Disposes the tensors of `old` that are not in `current` (after an optimizer step replaced them). */
export function disposeReplaced(old: unknown, current: unknown): void {
  const live = new Set(treeLeaves(current));
  for (const t of treeLeaves(old)) if (!live.has(t)) t.dispose();
}
