import { dispose, keep, type Tensor } from "@diva/tensor";
import { adamwInit, adamwStep, cosineWithWarmup } from "@diva/nn";
import { StepBudget } from "./budget.js";

/** Options shared by the demo's model trainings. */
export interface TrainLoopOptions {
  readonly steps: number;
  readonly lr: number;
  readonly weightDecay: number;
  onStep?(step: number, loss: number): void;
  /** Wall-clock budget: the step count is cut to fit it after 10 timed steps (see StepBudget). */
  readonly budgetSeconds?: number;
  /** Cut the run at this many steps, keeping the schedule's warm-up of `steps` (repeats a budgeted run). */
  readonly maxSteps?: number;
  /** Called every `snapshotEvery` steps and at the end with the current parameters (to save progress). */
  onSnapshot?(params: unknown, step: number, totalSteps: number): Promise<void>;
  readonly snapshotEvery?: number;
}

/**
 * AdamW with a cosine schedule (5% linear warm-up) over `step(params, i)`, which returns the loss and its
 * gradient tree plus any tensors of the step to free. Returns the final parameters.
 */
export async function trainLoop<P>(
  init: P,
  o: TrainLoopOptions,
  step: (params: P, i: number) => { loss: Tensor; grads: P; temporaries?: unknown },
  /** What a snapshot saves of the parameters (default all of them; e.g. without a training-only head). */
  snapshotOf: (params: P) => unknown = (params) => params,
): Promise<P> {
  let params = keep(init);
  let opt = adamwInit<P>();
  const budget = new StepBudget(o.steps, o.budgetSeconds, o.maxSteps);
  for (let i = 0; i < budget.total(); i++) {
    const { loss, grads, temporaries } = step(params, i);
    const lr = cosineWithWarmup(i, { lr: o.lr, totalSteps: budget.total(), warmupSteps: Math.ceil(o.steps * 0.05) });
    const [next, nextOpt] = adamwStep(params, grads, opt, { lr, weightDecay: o.weightDecay }, lr);
    o.onStep?.(i, (await loss.data())[0]!);
    dispose([loss, grads, temporaries, params, opt.m, opt.v]);
    params = next;
    opt = nextOpt;
    const total = budget.afterStep(i);
    if (o.onSnapshot && ((o.snapshotEvery && (i + 1) % o.snapshotEvery === 0) || i + 1 === total)) await o.onSnapshot(snapshotOf(params), i + 1, total);
  }
  dispose([opt.m, opt.v]);
  return params;
}
