/**
 * Stateful optimizer objects over the functional steps (`sgdStep`, `adamwStep`): `step(params, grads)` returns
 * the new parameters and disposes what they replace, so a training loop needs no `disposeReplaced`.
 */
import { mapTree, treeLeaves, type Tensor } from "@diva/tensor";
import { adamwInit, adamwStep, type AdamWOptions, type AdamWState } from "./adamw.js";
import { fmtShape } from "./fmt.js";
import { sgdInit, sgdStep, type SgdOptions, type SgdState } from "./sgd.js";

/** A learning rate: a constant, or a schedule giving the rate of each step (0-based), e.g. `cosineWithWarmup`. */
export type LearningRate = number | ((step: number) => number);

/** One step of a functional optimizer: new parameters and state from old ones, at learning rate `lr`. */
export type FunctionalStep<P, S> = (params: P, grads: P, state: S, lr: number) => [P, S];

/**
 * Owns an optimizer's state and the parameters it returns. Each `step(params, grads)`:
 * - returns new parameters (kept tensors: no `tidy` scope disposes them);
 * - disposes the parameters the previous `step` returned (they are replaced: a parameter tree returned by
 *   `step` is valid until the next `step`; `clone` a tensor to keep it longer). The parameters passed to `init`
 *   stay the caller's: they are never disposed;
 * - disposes the optimizer's previous state (momentum buffers, moments);
 * - disposes the gradients passed to it, unless `{ keepGrads: true }` was given to `init`.
 *
 * `dispose()` releases the state; the parameters last returned stay valid (they are the result).
 *
 * @example
 * ```ts
 * const opt = sgd({ lr: 0.1, momentum: 0.9 }).init(params);
 * for (let i = 0; i < 100; i++) {
 *   const [loss, grads] = valueAndGrad(lossFn)(params);
 *   params = opt.step(params, grads);
 *   loss.dispose();
 * }
 * opt.dispose();
 * ```
 */
export class Optimizer<P, S> {
  private current: S;
  private steps = 0;
  private produced = new Set<Tensor>();
  private disposed = false;
  private readonly layout: ReadonlyMap<string, readonly number[]>;

  constructor(
    params: P,
    private readonly update: FunctionalStep<P, S>,
    state: S,
    private readonly lr: LearningRate,
    private readonly options: { keepGrads?: boolean } = {},
  ) {
    this.current = state;
    this.layout = layoutOf(params);
    if (this.layout.size === 0) throw new Error("optimizer: the parameter tree has no tensors");
    rateAt(lr, 0);
  }

  /** Steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** The learning rate the next step uses. */
  get nextLr(): number {
    return rateAt(this.lr, this.steps);
  }

  /** The current state (owned by the optimizer: valid until the next step or `dispose()`; for checkpoints). */
  get state(): S {
    this.assertLive("state");
    return this.current;
  }

  /**
   * One update: returns the new parameters and disposes what they replace (see the class documentation).
   * Throws, disposing nothing, when `params` differ in names or shapes from the tree given to `init`.
   */
  step(params: P, grads: P): P {
    this.assertLive("step");
    this.checkLayout(params);
    const lr = rateAt(this.lr, this.steps);
    const oldState = this.current;
    const [next, state] = this.update(params, grads, oldState, lr);
    const live = new Set([...treeLeaves(next), ...treeLeaves(state)]);
    for (const t of treeLeaves(oldState)) if (!live.has(t)) t.dispose();
    for (const t of this.produced) if (!live.has(t)) t.dispose();
    if (!this.options.keepGrads) for (const g of treeLeaves(grads)) if (!live.has(g) && !this.produced.has(g)) g.dispose();
    this.produced = new Set(treeLeaves(next));
    this.current = state;
    this.steps++;
    return next;
  }

  /** Releases the optimizer state (idempotent). The parameters last returned by `step` stay valid. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const keepParams = this.produced;
    for (const t of treeLeaves(this.current)) if (!keepParams.has(t)) t.dispose();
    this.produced = new Set();
  }

  /** `using opt = ...` disposes the state at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  private assertLive(what: string): void {
    if (this.disposed) throw new Error(`optimizer.${what}: the optimizer was disposed`);
  }

  private checkLayout(params: P): void {
    const got = layoutOf(params);
    for (const [path, shape] of this.layout) {
      const s = got.get(path);
      if (!s) throw new Error(`optimizer.step: parameter "${path}" is missing (the tree given to init has it)`);
      if (s.length !== shape.length || s.some((d, i) => d !== shape[i])) {
        throw new Error(`optimizer.step: parameter "${path}" has shape ${fmtShape(s)}, but ${fmtShape(shape)} at init`);
      }
    }
    for (const path of got.keys()) {
      if (!this.layout.has(path)) throw new Error(`optimizer.step: parameter "${path}" was not in the tree given to init`);
    }
  }
}

/** Options of `init`. */
export interface OptimizerInitOptions<S> {
  /** Leave the gradients passed to `step` to the caller instead of disposing them (default false). */
  keepGrads?: boolean;
  /** Resume from a saved state (for example a checkpoint's); the optimizer then owns it. */
  state?: S;
}

/** SGD configured; `init(params)` makes the stateful optimizer for a parameter tree. */
export interface Sgd {
  /** A stateful SGD optimizer for `params` (the tree's names and shapes are checked at every step). */
  init<P>(params: P, options?: OptimizerInitOptions<SgdState<P>>): Optimizer<P, SgdState<P>>;
}

/** AdamW configured; `init(params)` makes the stateful optimizer for a parameter tree. */
export interface AdamW {
  /** A stateful AdamW optimizer for `params` (the tree's names and shapes are checked at every step). */
  init<P>(params: P, options?: OptimizerInitOptions<AdamWState<P>>): Optimizer<P, AdamWState<P>>;
}

/** Options of `sgd()`: those of `sgdStep`, with a learning rate that may be a schedule. */
export interface SgdConfig extends Omit<SgdOptions, "lr"> {
  /** Learning rate: a number, or a schedule `(step) => rate` with 0-based steps. */
  lr: LearningRate;
}

/** Options of `adamw()`: those of `adamwStep`, with a learning rate that may be a schedule. */
export interface AdamWConfig extends Omit<AdamWOptions, "lr"> {
  /** Learning rate: a number, or a schedule `(step) => rate` with 0-based steps. */
  lr: LearningRate;
}

/**
 * SGD (torch.optim.SGD semantics, see `sgdStep`) as a stateful optimizer: the same numbers as `sgdStep`.
 *
 * @example
 * ```ts
 * const schedule = (step: number) => cosineWithWarmup(step, { lr: 1e-4, totalSteps: 4600, warmupSteps: 23 });
 * const opt = sgd({ lr: schedule, momentum: 0.9 }).init(params);
 * params = opt.step(params, grads);
 * ```
 */
export function sgd(config: SgdConfig): Sgd {
  const { lr, ...rest } = config;
  return {
    init<P>(params: P, options: OptimizerInitOptions<SgdState<P>> = {}) {
      const update: FunctionalStep<P, SgdState<P>> = (p, g, s, rate) => sgdStep(p, g, s, { ...rest, lr: rate }, rate);
      return new Optimizer(params, update, options.state ?? sgdInit<P>(), lr, options);
    },
  };
}

/** AdamW (torch.optim.AdamW semantics, see `adamwStep`) as a stateful optimizer: the same numbers as `adamwStep`. */
export function adamw(config: AdamWConfig): AdamW {
  const { lr, ...rest } = config;
  return {
    init<P>(params: P, options: OptimizerInitOptions<AdamWState<P>> = {}) {
      const update: FunctionalStep<P, AdamWState<P>> = (p, g, s, rate) => adamwStep(p, g, s, { ...rest, lr: rate }, rate);
      return new Optimizer(params, update, options.state ?? adamwInit<P>(), lr, options);
    },
  };
}

function rateAt(lr: LearningRate, step: number): number {
  const v = typeof lr === "number" ? lr : lr(step);
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`optimizer: learning rate at step ${step} is ${String(v)}, expected a finite number`);
  return v;
}

/** Key path -> shape of every tensor of a tree. */
function layoutOf(tree: unknown): Map<string, readonly number[]> {
  const out = new Map<string, readonly number[]>();
  mapTree((t, path) => {
    out.set(path || "(root)", t.shape);
    return t;
  }, tree);
  return out;
}
