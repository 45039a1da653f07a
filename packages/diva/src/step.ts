import { add, dispose, foldIn, keep, mapTree, mul, tidy, treeLeaves, valueAndGrad, type RandomKey } from "@diva/tensor";
import { clipGradNorm, cosineWithWarmup, disposeReplaced, globalNorm, sgdStep, type SgdState } from "@diva/nn";
import { divaLoss, encodeLatents, type DivaBatch, type DivaLossContext, type DivaTrainable } from "./objective.js";

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
   * The reference code's weighting: the first draw's gradient is taken unscaled and later draws are divided by
   * the number of micro-batches, summed over micro-batches. Default false: the mean over draws and micro-batches.
   */
  readonly referenceDrawWeighting?: boolean;
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

/** Weight of draw `d` of a micro-batch among `m` micro-batches with `draws` draws each. */
export function drawWeight(d: number, draws: number, microBatches: number, reference: boolean): number {
  if (!reference) return 1 / (draws * microBatches);
  return d === 0 ? 1 : 1 / microBatches;
}

/**
 * One optimizer step of DIVA over `microBatches` (gradient accumulation): for every micro-batch and noise draw,
 * the gradient of `divaLoss` w.r.t. the CLIP vision parameters and the projection is accumulated with the
 * draw's weight; then the global norm is clipped, the learning rate comes from the cosine schedule with linear
 * warm-up, and SGD with momentum updates the parameters. The old state's tensors are disposed.
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
  if (microBatches.length === 0) throw new Error("divaStep: no micro-batches");
  let acc: DivaTrainable<V> | null = null;
  let lossSum = 0;
  let lossCount = 0;
  const lossAndGrad = valueAndGrad((p: DivaTrainable<V>, batch: DivaBatch, k: RandomKey) => divaLoss(p, batch, ctx, k));
  for (let m = 0; m < microBatches.length; m++) {
    const mb = microBatches[m]!;
    const latents = mb.latents ?? encodeLatents(ctx.diffusion, mb.vaeImages);
    const batch: DivaBatch = { ...mb, latents };
    for (let d = 0; d < options.draws; d++) {
      const w = drawWeight(d, options.draws, microBatches.length, options.referenceDrawWeighting ?? false);
      const [loss, g] = lossAndGrad(state.params, batch, foldIn(foldIn(key, m), d));
      lossSum += await loss.item();
      lossCount++;
      loss.dispose();
      const prev: DivaTrainable<V> | null = acc;
      acc = tidy(() => {
        let i = 0;
        const gl = treeLeaves(g);
        const pl = prev ? treeLeaves(prev) : null;
        return keep(mapTree(g, () => {
          const gi = mul(gl[i]!, w);
          const out = pl ? add(pl[i]!, gi) : gi;
          i++;
          return out;
        }));
      }) as DivaTrainable<V>;
      dispose(g);
      if (prev) dispose(prev);
    }
    if (!mb.latents) latents.dispose();
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
  const lr = cosineWithWarmup(state.step, { lr: options.lr, totalSteps: options.totalSteps, warmupSteps: options.warmupSteps });
  const [params, optimizer] = sgdStep(state.params, grads, state.optimizer, { lr, momentum: options.momentum, weightDecay: options.weightDecay ?? 0 }, lr);
  dispose(grads);
  disposeReplaced(state.params, params);
  if (state.optimizer.momentum) disposeReplaced(state.optimizer.momentum, optimizer.momentum);
  return { state: { params, optimizer, step: state.step + 1 }, loss, gradNorm, lr };
}
