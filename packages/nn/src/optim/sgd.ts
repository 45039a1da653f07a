import { add, clone, keep, mapTree, mul, sub, tidy, treeLeaves } from "@diva/tensor";
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
  return tidy(() => {
    const g = mapTree(checkGradShape, params, grads);
    const d = wd !== 0 ? mapTree((p, gi) => add(gi, mul(p, wd)), params, g) : g;
    if (momentum === 0) {
      return [keep(mapTree((p, di) => sub(p, mul(di, lr)), params, d)), { step: state.step + 1, momentum: null }] as [P, SgdState<P>];
    }
    // the first buffer is a copy of d (torch.clone), never the caller's gradient tensor itself
    const bufs = state.momentum
      ? mapTree((di, buf) => add(mul(buf, momentum), dampening !== 0 ? mul(di, 1 - dampening) : di), d, state.momentum)
      : mapTree((di) => clone(di), d);
    const dir = options.nesterov ? mapTree((di, buf) => add(di, mul(buf, momentum)), d, bufs) : bufs;
    const newParams = keep(mapTree((p, di) => sub(p, mul(di, lr)), params, dir));
    return [newParams, { step: state.step + 1, momentum: keep(bufs) }] as [P, SgdState<P>];
  });
}

/** Disposes the tensors of `old` that are not in `current` (after an optimizer step replaced them). */
export function disposeReplaced(old: unknown, current: unknown): void {
  const live = new Set(treeLeaves(current));
  for (const t of treeLeaves(old)) if (!live.has(t)) t.dispose();
}
