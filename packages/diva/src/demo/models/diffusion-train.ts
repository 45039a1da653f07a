import {
  add,
  dispose,
  exp,
  keep,
  mean,
  mseLoss,
  mul,
  noGrad,
  normal,
  randint,
  randomKey,
  foldIn,
  square,
  sub,
  tidy,
  valueAndGrad,
  type Tensor,
} from "@diva/tensor";
import {
  adamwInit,
  adamwStep,
  clipTextForward,
  cosineWithWarmup,
  DDPMScheduler,
  initUNet,
  initVAE,
  sampleLatent,
  unetForward,
  vaeDecode,
  vaeEncode,
  type ClipParams,
  type OpenClipConfig,
  type UNetParams,
  type VAEParams,
} from "@diva/nn";
import { diffusionTrainingStream, take } from "../world/index.js";
import { DEMO_IMAGE_SIZE, DEMO_SCHEDULER, TINY_UNET_CONFIG, TINY_VAE_CONFIG } from "./configs.js";
import type { WordTokenizer } from "./tokenizer.js";
import { tensor } from "@diva/tensor";

/** Options shared by the diffusion trainings. */
export interface DiffusionTrainOptions {
  readonly seed: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly lr: number;
  onStep?(step: number, loss: number): void;
}

/** World images as a [B, 3, 32, 32] tensor in [-1, 1] (the VAE's input range). */
export function worldToVaeInput(items: readonly { data: Float32Array }[]): Tensor {
  const n = 3 * DEMO_IMAGE_SIZE * DEMO_IMAGE_SIZE;
  const out = new Float32Array(items.length * n);
  items.forEach((it, b) => {
    for (let i = 0; i < n; i++) out[b * n + i] = it.data[i]! * 2 - 1;
  });
  return tensor(out, { shape: [items.length, 3, DEMO_IMAGE_SIZE, DEMO_IMAGE_SIZE] });
}

/** Trains the tiny VAE: reconstruction MSE of a posterior sample plus a small KL term. */
export async function trainTinyVae(o: DiffusionTrainOptions & { klWeight: number }): Promise<VAEParams> {
  let params = keep(initVAE(randomKey(o.seed), TINY_VAE_CONFIG));
  let opt = adamwInit<VAEParams>();
  const stream = diffusionTrainingStream({ seed: o.seed, size: DEMO_IMAGE_SIZE });
  const lossGrad = valueAndGrad((p: VAEParams, x: Tensor, k: ReturnType<typeof randomKey>) =>
    tidy(() => {
      const post = vaeEncode(p, x, TINY_VAE_CONFIG);
      const recon = vaeDecode(p, sampleLatent(post, k), TINY_VAE_CONFIG);
      // KL(q || N(0, I)) per latent element, averaged
      const kl = mul(mean(sub(add(square(post.mean), exp(post.logvar)), add(post.logvar, 1))), 0.5);
      return add(mseLoss(recon, x), mul(kl, o.klWeight));
    }),
  );
  for (let step = 0; step < o.steps; step++) {
    const x = worldToVaeInput(take(stream, o.batchSize).map((b) => b.image));
    const [loss, grads] = lossGrad(params, x, foldIn(randomKey(o.seed + 1), step));
    const lr = cosineWithWarmup(step, { lr: o.lr, totalSteps: o.steps, warmupSteps: Math.ceil(o.steps * 0.05) });
    const [next, nextOpt] = adamwStep(params, grads, opt, { lr, weightDecay: 0 }, lr);
    o.onStep?.(step, (await loss.data())[0]!);
    dispose([loss, grads, x, params, opt.m, opt.v]);
    params = next;
    opt = nextOpt;
  }
  dispose([opt.m, opt.v]);
  return params;
}

/** The text condition of the tiny diffusion model: the tiny CLIP text tower's tokens after ln_final [B, L, width]. */
export function textCondition(clip: ClipParams, clipConfig: OpenClipConfig, tokenizer: WordTokenizer, texts: readonly string[]): Tensor {
  return noGrad(() => tidy(() => clipTextForward(clip, clipConfig, tokenizer.tokenize(texts)).lastHiddenState));
}

/**
 * Trains the tiny UNet on VAE latents (posterior mean x scaling factor) with epsilon prediction, conditioned on
 * full captions through the frozen tiny CLIP text tower; 10% of captions are dropped to the empty prompt.
 */
export async function trainTinyUnet(
  vae: VAEParams,
  clip: ClipParams,
  clipConfig: OpenClipConfig,
  tokenizer: WordTokenizer,
  o: DiffusionTrainOptions,
): Promise<UNetParams> {
  let params = keep(initUNet(randomKey(o.seed), TINY_UNET_CONFIG));
  let opt = adamwInit<UNetParams>();
  const sched = new DDPMScheduler(DEMO_SCHEDULER);
  const stream = diffusionTrainingStream({ seed: o.seed, size: DEMO_IMAGE_SIZE });
  const lossGrad = valueAndGrad((p: UNetParams, zt: Tensor, t: Tensor, cond: Tensor, noise: Tensor) =>
    mseLoss(unetForward(p, zt, t, cond, TINY_UNET_CONFIG), noise),
  );
  const scale = TINY_VAE_CONFIG.scaling_factor ?? 1;
  for (let step = 0; step < o.steps; step++) {
    const batch = take(stream, o.batchSize);
    const k = foldIn(randomKey(o.seed + 2), step);
    const drop = Array.from({ length: batch.length }, (_, i) => ((step * 7919 + i * 104729) % 10 === 0 ? "" : batch[i]!.caption));
    const inputs = tidy(() => {
      const z0 = mul(vaeEncode(vae, worldToVaeInput(batch.map((b) => b.image)), TINY_VAE_CONFIG).mean, scale);
      const noise = normal(foldIn(k, 0), z0.shape);
      const t = randint(foldIn(k, 1), [batch.length], 0, sched.alphasCumprod.length);
      return { zt: sched.addNoise(z0, noise, t), t, noise, cond: textCondition(clip, clipConfig, tokenizer, drop) };
    });
    const [loss, grads] = lossGrad(params, inputs.zt, inputs.t, inputs.cond, inputs.noise);
    const lr = cosineWithWarmup(step, { lr: o.lr, totalSteps: o.steps, warmupSteps: Math.ceil(o.steps * 0.05) });
    const [next, nextOpt] = adamwStep(params, grads, opt, { lr, weightDecay: 0 }, lr);
    o.onStep?.(step, (await loss.data())[0]!);
    dispose([loss, grads, inputs, params, opt.m, opt.v]);
    params = next;
    opt = nextOpt;
  }
  dispose([opt.m, opt.v]);
  return params;
}
