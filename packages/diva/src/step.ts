import { add, dispose, foldIn, keep, mapTree, mul, tidy, valueAndGrad, type RandomKey, type Tensor } from "@diva/tensor";
import { clipGradNorm, cosineWithWarmup, disposeReplaced, globalNorm, sgdStep, type SgdState } from "@diva/nn";
import { divaLoss, encodeLatents, type DivaBatch, type DivaLossContext, type DivaTrainable } from "./objective.js";
import type { DrawWeighting } from "./presets.js";

/** The training recipe of one DIVA step. */
export interface DivaStepOptions {
  /** Peak learning rate (reference: 1e-4). */
  readonly lr: number;
  /** SGD momentum (reference: 0.9). */
  readonly momentum: number;
  /** SGD weight decay (default 0). */
  readonly weightDecay?: number;
  /** Global gradient-norm clip (reference: 1.0); 0 disables. */
  readonly clipNorm: number;
  /** Length of the cosine schedule in steps. */
  readonly totalSteps: number;
  /** Linear warm-up steps. */
  readonly warmupSteps: number;
  /** Noise draws per image per step (reference: 2). */
  readonly draws: number;
  /**
   * How the draws are weighted (default "mean"): `reference` gives draw d the weight `drawWeights[d] / M` over
   * M micro-batches (the step's gradient is about `5 g0 + g1` whatever the split, as the reference code);
   * `mean` gives every draw `1 / (draws M)`, the mean over draws and micro-batches.
   */
  readonly drawWeighting?: DrawWeighting;
  /** Relative weights of the draws under `reference` weighting (default [5, 1]; see {@link referenceDrawWeights}). */
  readonly drawWeights?: readonly number[];
  /**
   * Learning-rate multiplier of the new projection relative to the vision tower (default 1, as the reference).
   * The projection starts random while the tower is pretrained: a larger rate lets the condition path become
   * usable without moving the tower as far. Applied after clipping, so the clip sees the plain gradient.
   */
  readonly projectionLrScale?: number;
  /**
   * Steps at the start that update only the projection (default 0): the vision tower's gradient is set to 0
   * after clipping, so the new condition path can become usable before the pretrained tower moves. The
   * learning-rate schedule still counts these steps.
   */
  readonly projectionOnlySteps?: number;
}

/** Training state: parameters, optimizer state, step counter. */
export interface DivaState<V> {
  /** The trainable parameters. */
  readonly params: DivaTrainable<V>;
  /** SGD momentum buffers. */
  readonly optimizer: SgdState<DivaTrainable<V>>;
  /** Steps completed. */
  readonly step: number;
}

/** What one step reports. */
export interface DivaStepResult<V> {
  /** The new state (the old one is disposed). */
  readonly state: DivaState<V>;
  /** Mean loss over micro-batches and draws. */
  readonly loss: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Learning rate used for this step. */
  readonly lr: number;
}

/** The reference's relative draw weights: draw 0 back-propagated unscaled in 5 accumulation steps, draw 1 the loss divided by them. */
export const REFERENCE_DRAW_WEIGHTS: readonly number[] = [5, 1];

/**
 * Relative weights of `draws` draws under the reference weighting, from the two-draw weights `weights`
 * ([5, 1]): in the reference code every draw but the last is back-propagated unscaled inside the forward and
 * the last one is the loss the trainer divides by its accumulation steps, so 1 draw gives [1] and 3 give
 * [5, 5, 1]. Weights of another length must match `draws`.
 */
export function referenceDrawWeights(draws: number, weights: readonly number[] = REFERENCE_DRAW_WEIGHTS): number[] {
  if (!Number.isInteger(draws) || draws < 1) throw new Error(`draws must be a positive integer, got ${draws}`);
  if (weights.some((w) => !(Number.isFinite(w) && w >= 0))) throw new Error(`drawWeights must be non-negative numbers, got [${weights.join(", ")}]`);
  if (weights.length === draws) return [...weights];
  if (weights.length === 2) return Array.from({ length: draws }, (_, d) => (d === draws - 1 ? weights[1]! : weights[0]!));
  throw new Error(`drawWeights [${weights.join(", ")}] has ${weights.length} weights for ${draws} draws`);
}

/**
 * Weight of draw `d` of every micro-batch among `microBatches` with `draws` draws each: `mean` gives
 * 1 / (draws M); `reference` gives weights[d] / M, so the summed gradient is sum_d weights[d] g_d (g_d: the
 * mean gradient of draw d over the step's images) however the images are split into micro-batches.
 */
export function drawWeight(d: number, draws: number, microBatches: number, weighting: DrawWeighting = "mean", weights?: readonly number[]): number {
  if (weighting === "mean") return 1 / (draws * microBatches);
  return referenceDrawWeights(draws, weights)[d]! / microBatches;
}

/**
 * The reference's learning rate at 0-based `step`: linear warm-up `lr * step / warmupSteps` (step 0 gets 0,
 * as transformers' cosine schedule with warm-up), then the cosine decay to 0 at `totalSteps`.
 */
export function divaLearningRate(step: number, o: { readonly lr: number; readonly totalSteps: number; readonly warmupSteps: number }): number {
  if (o.warmupSteps > 0 && step < o.warmupSteps) return (o.lr * step) / o.warmupSteps;
  return cosineWithWarmup(step, o);
}

/** The part of a step's objective that {@link weightedStep} differentiates: one noise draw on one micro-batch. */
export interface DrawObjective<P, B> {
  /** The scalar loss of draw `draw` of `batch` under `params` (differentiated w.r.t. `params`). */
  loss(params: P, batch: B, key: RandomKey, draw: number): Tensor;
  /** Called once per micro-batch before its draws (e.g. to encode VAE latents reused by every draw). */
  prepare?(batch: B): B;
  /** Frees what `prepare` made. */
  release?(prepared: B, batch: B): void;
  /** Rescales parts of the (clipped) gradient of 0-based step `step` before the update (per-group learning rates); tensors it replaces are freed. */
  scaleGradients?(grads: P, step: number): P;
}

/** Parameters, optimizer state and step counter of any model {@link weightedStep} trains. */
export interface TrainState<P> {
  /** The trainable parameters. */
  readonly params: P;
  /** SGD momentum buffers. */
  readonly optimizer: SgdState<P>;
  /** Steps completed. */
  readonly step: number;
}

/**
 * One optimizer step with gradient accumulation: for every micro-batch m and draw d, the gradient of
 * `objective.loss` is accumulated with the draw's weight (`drawWeighting`: `reference` weights[d] / M, `mean`
 * 1 / (draws M)); then the global norm is clipped, the learning rate comes from `divaLearningRate` (the
 * reference's warm-up, then cosine), and SGD with momentum updates the parameters. The old state's tensors are
 * disposed. Micro-batches must hold equally many images for the weighting to be independent of the split.
 *
 * @param key the step's key; micro-batches and draws fold in their indices.
 */
export async function weightedStep<P extends object, B>(
  state: TrainState<P>,
  microBatches: readonly B[],
  objective: DrawObjective<P, B>,
  options: DivaStepOptions,
  key: RandomKey,
): Promise<{
  /** The state after the step (the old state's tensors are disposed). */
  state: TrainState<P>;
  /** Mean loss over the micro-batches and draws. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Learning rate the step used. */
  lr: number;
}> {
  if (microBatches.length === 0) throw new Error("divaStep: no micro-batches");
  let acc: P | null = null;
  let lossSum = 0;
  let lossCount = 0;
  const M = microBatches.length;
  const weighting = options.drawWeighting ?? "mean";
  const weights = weighting === "reference" ? referenceDrawWeights(options.draws, options.drawWeights) : null;
  const lossAndGrad = valueAndGrad((p: P, batch: B, k: RandomKey, d: number) => objective.loss(p, batch, k, d));
  for (let m = 0; m < M; m++) {
    const mb = microBatches[m]!;
    const batch = objective.prepare ? objective.prepare(mb) : mb;
    try {
      for (let d = 0; d < options.draws; d++) {
        const w = weights ? weights[d]! / M : 1 / (options.draws * M);
        const [loss, g] = lossAndGrad(state.params, batch, foldIn(foldIn(key, m), d), d);
        lossSum += await loss.item();
        lossCount++;
        loss.dispose();
        const prev: P | null = acc;
        acc = tidy(() => keep(prev ? mapTree((gi, pi) => add(pi, mul(gi, w)), g, prev) : mapTree((gi) => mul(gi, w), g)));
        dispose(g);
        if (prev) dispose(prev);
      }
    } finally {
      objective.release?.(batch, mb);
    }
  }
  const loss = lossSum / lossCount;
  let grads = acc!;
  let gradNorm: number;
  if (options.clipNorm > 0) {
    const [clipped, norm] = await clipGradNorm(grads, options.clipNorm);
    dispose(grads);
    grads = clipped;
    gradNorm = norm;
  } else {
    gradNorm = await globalNorm(grads);
  }
  if (objective.scaleGradients) {
    const scaled = objective.scaleGradients(grads, state.step);
    disposeReplaced(grads, scaled);
    grads = scaled;
  }
  const lr = divaLearningRate(state.step, { lr: options.lr, totalSteps: options.totalSteps, warmupSteps: options.warmupSteps });
  const [params, optimizer] = sgdStep(state.params, grads, state.optimizer, { lr, momentum: options.momentum, weightDecay: options.weightDecay ?? 0 }, lr);
  dispose(grads);
  disposeReplaced(state.params, params);
  if (state.optimizer.momentum) disposeReplaced(state.optimizer.momentum, optimizer.momentum);
  return { state: { params, optimizer, step: state.step + 1 }, loss, gradNorm, lr };
}

/**
 * One optimizer step of DIVA over `microBatches` (gradient accumulation, see {@link weightedStep}): the
 * objective is `divaLoss` w.r.t. the CLIP vision parameters and the projection, each micro-batch's VAE latents
 * encoded once for all its draws.
 *
 * @param key the step's key; draws and micro-batches fold in their indices, so a resumed run repeats them.
 */
export async function divaStep<V>(
  state: DivaState<V>,
  microBatches: readonly DivaBatch[],
  ctx: DivaLossContext<V>,
  options: DivaStepOptions,
  key: RandomKey,
): Promise<DivaStepResult<V>> {
  const projectionScale = options.projectionLrScale ?? 1;
  if (!(Number.isFinite(projectionScale) && projectionScale > 0)) throw new RangeError(`divaStep: projectionLrScale must be a positive number, got ${projectionScale}`);
  const projectionOnly = options.projectionOnlySteps ?? 0;
  if (!(Number.isInteger(projectionOnly) && projectionOnly >= 0)) throw new RangeError(`divaStep: projectionOnlySteps must be a non-negative integer, got ${projectionOnly}`);
  return weightedStep(
    state,
    microBatches,
    {
      loss: (p: DivaTrainable<V>, batch: DivaBatch, k: RandomKey) => divaLoss(p, batch, ctx, k),
      prepare: (mb) => (mb.latents ? mb : { ...mb, latents: encodeLatents(ctx.diffusion, mb.vaeImages) }),
      release: (prepared, mb) => {
        if (!mb.latents) prepared.latents?.dispose();
      },
      ...(projectionScale === 1 && projectionOnly === 0
        ? {}
        : {
            // SGD with momentum is linear in the gradient, so scaling a group's gradient scales its lr (0 freezes it)
            scaleGradients: (g: DivaTrainable<V>, step: number) => ({
              vision: step < projectionOnly ? tidy(() => keep(mapTree((t) => mul(t, 0), g.vision))) : g.vision,
              projection: projectionScale === 1 ? g.projection : tidy(() => keep(mapTree((t) => mul(t, projectionScale), g.projection))),
            }),
          }),
    },
    options,
    key,
  );
}
