import { mseLoss, mul, noGrad, normal, randint, splitKey, tidy, type RandomKey, type Tensor } from "@diva/tensor";
import { conditionTokensFrom, divaCondition, type ConditionSource, type ConditionSpec, type Projection } from "./condition.js";

/**
 * The training noise schedule DIVA needs: `@diva/nn`'s `DDPMScheduler` satisfies it (diffusers' `add_noise`
 * with the SD `scaled_linear` schedule, coefficients in float32).
 */
export interface NoiseScheduleLike {
  /** Number of training timesteps T (1000 for SD); timesteps are drawn uniformly from [0, T). */
  readonly numTrainTimesteps: number;
  /** Forward noising: sqrt(acp[t]) x0 + sqrt(1 - acp[t]) noise, per image; `timesteps` int32 [B]. */
  addNoise(x0: Tensor, noise: Tensor, timesteps: Tensor): Tensor;
}

/**
 * The frozen diffusion model as DIVA uses it. Functions, so that any UNet/VAE implementation (or a stand-in in
 * tests) plugs in.
 */
export interface FrozenDiffusion {
  /** VAE encoder posterior mean for images in [-1, 1]: [B, 3, H, W] -> [B, c, h, w] (not yet scaled). */
  encodeMean(images: Tensor): Tensor;
  /** The VAE's scaling factor (0.18215 for SD). */
  readonly scalingFactor: number;
  /** The UNet's noise prediction for noisy latents, int32 timesteps [B] and the condition [B, T, C]. */
  predictNoise(latents: Tensor, timesteps: Tensor, condition: Tensor): Tensor;
  /** The DDPM training schedule (a `DDPMScheduler`). */
  readonly scheduler: NoiseScheduleLike;
}

/** The trainable part: CLIP's vision parameters and the new projection. */
export interface DivaTrainable<V> {
  /** CLIP's vision tower parameters. */
  readonly vision: V;
  /** The projection to the UNet's cross-attention width. */
  readonly projection: Projection;
}

/** Everything `divaLoss` needs besides the trainable parameters. */
export interface DivaLossContext<V> {
  /** CLIP vision tokens after ln_post and the output projection: images [B, 3, R, R] -> [B, 1 + P, D]. */
  visionTokens(vision: V, images: Tensor): Tensor;
  /** The frozen VAE, UNet and noise schedule. */
  readonly diffusion: FrozenDiffusion;
  /** How the visual tokens become the condition. */
  readonly condition: ConditionSpec;
  /** The SD text encoder's output for "a photo of a ." [L, C] (constant). */
  readonly textEmbedding: Tensor;
  /** Whose tokens condition each image (default "own"; "shuffled" is the placebo control, see {@link ConditionSource}). */
  readonly conditionSource?: ConditionSource;
}

/** One batch of images in the two forms DIVA needs. */
export interface DivaBatch {
  /** CLIP-normalised images at the CLIP resolution [B, 3, R, R]. */
  readonly clipImages: Tensor;
  /** The same images for the VAE, in [-1, 1] at the VAE resolution [B, 3, H, W]. */
  readonly vaeImages: Tensor;
  /** Optional precomputed scaled latents [B, c, h, w] (the VAE is frozen, so they can be reused across draws). */
  readonly latents?: Tensor;
}

/** Scaled VAE latents of a batch: posterior mean x scaling factor, computed without autograd. */
export function encodeLatents(diffusion: FrozenDiffusion, vaeImages: Tensor): Tensor {
  return noGrad(() => tidy(() => mul(diffusion.encodeMean(vaeImages), diffusion.scalingFactor)));
}

/**
 * The DIVA objective for one noise draw: latents z0 (VAE mean x scaling factor), noise ~ N(0, I), t uniform in
 * [0, T), z_t = scheduler.addNoise(z0, noise, t); the frozen UNet predicts the noise from z_t conditioned on
 * `divaCondition(visionTokens(images))`; the loss is the MSE to the true noise.
 *
 * Differentiate it w.r.t. `trainable` only: the frozen models' weights are constants, so the backward pass
 * computes no gradient for them (it flows through their activations to the condition).
 *
 * @returns a scalar tensor.
 */
export function divaLoss<V>(trainable: DivaTrainable<V>, batch: DivaBatch, ctx: DivaLossContext<V>, key: RandomKey): Tensor {
  return tidy(() => {
    const [kNoise, kTime, kPatch] = splitKey(key, 3) as [RandomKey, RandomKey, RandomKey];
    const z0 = batch.latents ?? encodeLatents(ctx.diffusion, batch.vaeImages);
    const B = z0.shape[0]!;
    if (batch.clipImages.shape[0] !== B) {
      throw new Error(`divaLoss: ${batch.clipImages.shape[0]} CLIP images but ${B} VAE images/latents`);
    }
    const noise = normal(kNoise, z0.shape, { device: z0.device });
    const t = randint(kTime, [B], 0, ctx.diffusion.scheduler.numTrainTimesteps, { device: z0.device });
    const zt = ctx.diffusion.scheduler.addNoise(z0, noise, t);
    const tokens = conditionTokensFrom(ctx.visionTokens(trainable.vision, batch.clipImages), ctx.conditionSource ?? "own");
    const cond = divaCondition(tokens, ctx.condition, trainable.projection, ctx.textEmbedding, kPatch);
    const pred = ctx.diffusion.predictNoise(zt, t, cond);
    return mseLoss(pred, noise);
  });
}
