/**
 * The mechanism check: DIVA's own loss on held-out images with fixed noise, timesteps and patch draws, per image,
 * with each image's own condition or another image's. If DIVA taught the condition image-specific detail, the
 * loss falls from before to after and, after DIVA, the own condition beats another image's.
 */
import { foldIn, mean, noGrad, normal, randint, slice, splitKey, square, sub, tidy, type RandomKey, type Tensor } from "@diva/tensor";
import { conditionTokensFrom, divaCondition, type ConditionSource } from "../../condition.js";
import { encodeLatents, type DivaLossContext, type DivaTrainable } from "../../objective.js";

/** Options of {@link heldOutLosses}. */
interface HeldOutLossOptions {
  /** Root key: chunk c, draw d use foldIn(foldIn(key, c), d), so every model sees the same noise and timesteps. */
  readonly key: RandomKey;
  /** Noise draws per image (the loss is their mean). */
  readonly draws: number;
  /** Images per forward pass; "shuffled" takes each condition from the next image of the same chunk (a last chunk of one image joins the one before). */
  readonly chunk: number;
  readonly source: ConditionSource;
}

/**
 * The per-image loss of one draw: `divaLoss` with the mean taken per image instead of over the batch (the
 * batch mean of the result equals `divaLoss` with the same key).
 *
 * @returns [B] losses.
 */
export function perImageDivaLoss<V>(trainable: DivaTrainable<V>, clipImages: Tensor, latents: Tensor, ctx: DivaLossContext<V>, key: RandomKey): Tensor {
  return tidy(() => {
    const [kNoise, kTime, kPatch] = splitKey(key, 3) as [RandomKey, RandomKey, RandomKey];
    const B = latents.shape[0]!;
    const noise = normal(kNoise, latents.shape, { device: latents.device });
    const t = randint(kTime, [B], 0, ctx.diffusion.scheduler.numTrainTimesteps, { device: latents.device });
    const zt = ctx.diffusion.scheduler.addNoise(latents, noise, t);
    const tokens = conditionTokensFrom(ctx.visionTokens(trainable.vision, clipImages), ctx.conditionSource ?? "own");
    const cond = divaCondition(tokens, ctx.condition, trainable.projection, ctx.textEmbedding, kPatch);
    const err = square(sub(ctx.diffusion.predictNoise(zt, t, cond), noise));
    return mean(err.reshape([B, -1]), 1);
  });
}

/**
 * Per-image DIVA loss over held-out images (mean over `draws` fixed draws), without gradients.
 *
 * @param clipImages CLIP inputs [N, 3, R, R]; @param vaeImages the same images for the VAE in [-1, 1].
 */
export async function heldOutLosses<V>(trainable: DivaTrainable<V>, clipImages: Tensor, vaeImages: Tensor, ctx: DivaLossContext<V>, o: HeldOutLossOptions): Promise<number[]> {
  const N = clipImages.shape[0]!;
  if (vaeImages.shape[0] !== N) throw new Error(`heldOutLosses: ${N} CLIP images but ${vaeImages.shape[0]} VAE images`);
  if (!Number.isInteger(o.chunk) || o.chunk < 1) throw new Error(`heldOutLosses: chunk must be a positive integer, got ${o.chunk}`);
  // chunk ends; a last chunk of one image joins the one before (a lone image has no other image to take from)
  const ends: number[] = [];
  for (let start = 0; start < N; start += o.chunk) ends.push(Math.min(N, start + o.chunk));
  if (ends.length > 1 && N - ends[ends.length - 2]! === 1) ends.splice(ends.length - 2, 1);
  const out: number[] = [];
  for (let c = 0, start = 0; c < ends.length; start = ends[c++]!) {
    const end = ends[c]!;
    const sum = noGrad(() =>
      tidy(() => {
        const clip = slice(clipImages, [[start, end]]);
        const latents = encodeLatents(ctx.diffusion, slice(vaeImages, [[start, end]]));
        let acc: Tensor | null = null;
        for (let d = 0; d < o.draws; d++) {
          const l = perImageDivaLoss(trainable, clip, latents, { ...ctx, conditionSource: o.source }, foldIn(foldIn(o.key, c), d));
          acc = acc ? acc.add(l) : l;
        }
        return acc!;
      }),
    );
    const v = await sum.data();
    sum.dispose();
    for (const x of v) out.push(x / o.draws);
  }
  return out;
}
