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
  const leaf = (p: Tensor, gi: Tensor, buf: Tensor | null): [Tensor, Tensor | null] =>
    tidy(() => {
      const d = wd !== 0 ? add(gi, mul(p, wd)) : gi;
      if (momentum === 0) return [sub(p, mul(d, lr)), null];
      // the first buffer is a copy of d (torch.clone), never the caller's gradient tensor itself
      const b = buf ? add(mul(buf, momentum), dampening !== 0 ? mul(d, 1 - dampening) : d) : clone(d);
      const dir = options.nesterov ? add(d, mul(b, momentum)) : b;
      return [sub(p, mul(dir, lr)), b];
    });
  // the outer tidy frees what was made if a later parameter throws (mismatched momentum tree)
  return tidy(() => {
    const bufs: Tensor[] = [];
    const step = (p: Tensor, gi: Tensor, buf: Tensor | null): Tensor => {
      const [np, b] = leaf(p, gi, buf);
      if (b) bufs.push(b);
      return np;
    };
    const newParams = keep(state.momentum ? mapTree((p, gi, buf) => step(p, gi, buf), params, g, state.momentum) : mapTree((p, gi) => step(p, gi, null), params, g));
    if (momentum === 0) return [newParams, { step: state.step + 1, momentum: null }] as [P, SgdState<P>];
    let i = 0;
    // the same traversal order as above: the i-th buffer belongs to the i-th parameter
    const newBufs = keep(mapTree(() => bufs[i++]!, params));
    return [newParams, { step: state.step + 1, momentum: newBufs }] as [P, SgdState<P>];
  });
}

/** Disposes the tensors of `old` that are not in `current` (after an optimizer step replaced them). */
export function disposeReplaced(old: unknown, current: unknown): void {
  const live = new Set(treeLeaves(current));
  for (const t of treeLeaves(old)) if (!live.has(t)) t.dispose();
}
