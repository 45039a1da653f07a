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
  applyClipText,
  initClipText,
  DDPMScheduler,
  initUNet,
  initVAE,
  sampleLatent,
  unetForward,
  vaeDecode,
  vaeEncode,
  type ClipTextParams,
  type ClipTextTowerConfig,
  type UNetParams,
  type AutoencoderKLConfig,
  type VAEParams,
} from "@diva/nn";
import { BACKGROUND_RGB, diffusionPairStream, diffusionTrainingStream, take, type CaptionedImage, type MmvpPatternName } from "../world/index.js";
import { DEMO_CONTEXT_LENGTH, DEMO_IMAGE_SIZE, DEMO_SCHEDULER, TINY_UNET_CONFIG, TINY_VAE_CONFIG } from "./configs.js";
import type { WordTokenizer } from "./tokenizer.js";
import { trainLoop, type TrainLoopOptions } from "./train-loop.js";
import { concat, crossEntropy, div, indexSelect, matmul, random, relu, stopGradient, tensor, transpose } from "@diva/tensor";

/** Options shared by the diffusion trainings. */
interface DiffusionTrainOptions extends Omit<TrainLoopOptions, "weightDecay"> {
  readonly seed: number;
  readonly batchSize: number;
  /** Images encoded once for UNet training (default 4096). */
  readonly datasetSize?: number;
}

/** World images as a [B, 3, 32, 32] tensor in [-1, 1] (the VAE's input range). */
function worldToVaeInput(items: readonly { data: Float32Array }[]): Tensor {
  const n = 3 * DEMO_IMAGE_SIZE * DEMO_IMAGE_SIZE;
  const out = new Float32Array(items.length * n);
  items.forEach((it, b) => {
    for (let i = 0; i < n; i++) out[b * n + i] = it.data[i]! * 2 - 1;
  });
  return tensor(out, { shape: [items.length, 3, DEMO_IMAGE_SIZE, DEMO_IMAGE_SIZE] });
}

/**
 * Per-pixel loss weights [B, 1, H, W]: 1 on the background, 1 + `foreground` where the pixel differs from the
 * scene's background colour. The world's images are mostly flat background, so plain MSE spends its effort there
 * while the fine attributes (dots, letters, stripes, small objects' colours) live in the few object pixels.
 */
export function foregroundWeights(items: readonly CaptionedImage[], foreground: number): Tensor {
  const n = DEMO_IMAGE_SIZE * DEMO_IMAGE_SIZE;
  const out = new Float32Array(items.length * n);
  items.forEach((it, b) => {
    const bg = BACKGROUND_RGB[it.scene.background];
    const d = it.image.data;
    for (let i = 0; i < n; i++) {
      const differs = Math.abs(d[i]! - bg[0]) > 0.02 || Math.abs(d[n + i]! - bg[1]) > 0.02 || Math.abs(d[2 * n + i]! - bg[2]) > 0.02;
      out[b * n + i] = differs ? 1 + foreground : 1;
    }
  });
  return tensor(out, { shape: [items.length, 1, DEMO_IMAGE_SIZE, DEMO_IMAGE_SIZE] });
}

/** Mean squared error with per-pixel weights [B, 1, H, W] broadcast over channels, normalised by the weights' mean. */
function weightedMse(recon: Tensor, x: Tensor, w: Tensor): Tensor {
  return div(mean(mul(square(sub(recon, x)), w)), mean(w));
}

/** Options of the VAE training. */
interface VaeTrainOptions extends DiffusionTrainOptions {
  readonly klWeight: number;
  /** Extra loss weight of object pixels (default 0: plain MSE); see `foregroundWeights`. */
  readonly foregroundWeight?: number;
  /** Start from these weights instead of a fresh initialisation (a continued run). */
  readonly init?: VAEParams;
}

/** Trains the tiny VAE: (foreground-weighted) reconstruction MSE of a posterior sample plus a small KL term. */
export async function trainTinyVae(o: VaeTrainOptions): Promise<VAEParams> {
  const stream = diffusionTrainingStream({ seed: o.seed, size: DEMO_IMAGE_SIZE });
  const fg = o.foregroundWeight ?? 0;
  const lossGrad = valueAndGrad((p: VAEParams, x: Tensor, w: Tensor, k: ReturnType<typeof randomKey>) =>
    tidy(() => {
      const post = vaeEncode(p, x, TINY_VAE_CONFIG);
      const recon = vaeDecode(p, sampleLatent(post, k), TINY_VAE_CONFIG);
      // KL(q || N(0, I)) per latent element, averaged
      const kl = mul(mean(sub(add(square(post.mean), exp(post.logvar)), add(post.logvar, 1))), 0.5);
      const rec = fg === 0 ? mseLoss(recon, x) : weightedMse(recon, x, w);
      return add(rec, mul(kl, o.klWeight));
    }),
  );
  return trainLoop(o.init ?? initVAE(randomKey(o.seed), TINY_VAE_CONFIG), { ...o, weightDecay: 0 }, (params, step) => {
    const batch = take(stream, o.batchSize);
    const x = worldToVaeInput(batch.map((b) => b.image));
    const w = foregroundWeights(batch, fg);
    const [loss, grads] = lossGrad(params, x, w, foldIn(randomKey(o.seed + 1), step));
    return { loss, grads, temporaries: [x, w] };
  });
}

/** The parts of the VAE that decode latents (what `fineTuneVaeDecoder` trains). */
type VaeDecoderPart = Pick<VAEParams, "decoder" | "post_quant_conv">;

/**
 * Fine-tunes the VAE's decoder with the encoder frozen (as Stability's sd-vae-ft-mse did for SD's VAE): the
 * latent space, and so every UNet trained on it, stays the same while reconstructions sharpen. Loss: MSE of the
 * decoded posterior mean, object pixels weighted 1 + `foregroundWeight` (default 0, plain MSE).
 */
export async function fineTuneVaeDecoder(vae: VAEParams, vaeConfig: AutoencoderKLConfig, o: DiffusionTrainOptions & { readonly foregroundWeight?: number }): Promise<VAEParams> {
  const stream = diffusionTrainingStream({ seed: o.seed, size: DEMO_IMAGE_SIZE });
  const lossGrad = valueAndGrad((p: VaeDecoderPart, z: Tensor, x: Tensor, w: Tensor) =>
    tidy(() => weightedMse(vaeDecode({ ...vae, ...p }, z, vaeConfig), x, w)),
  );
  const init: VaeDecoderPart = { decoder: vae.decoder, ...(vae.post_quant_conv ? { post_quant_conv: vae.post_quant_conv } : {}) };
  const tuned = await trainLoop(init, { ...o, weightDecay: 0 }, (params) => {
    const batch = take(stream, o.batchSize);
    const x = worldToVaeInput(batch.map((b) => b.image));
    const w = foregroundWeights(batch, o.foregroundWeight ?? 0);
    const z = noGrad(() => vaeEncode(vae, x, vaeConfig).mean);
    const [loss, grads] = lossGrad(params, z, x, w);
    return { loss, grads, temporaries: [x, z, w] };
  }, (decoder) => ({ ...vae, ...decoder })); // snapshots hold the whole VAE, encoder included
  return { ...vae, ...tuned };
}

/**
 * The VAE's scaling factor as SD chose 0.18215: 1 / the standard deviation of the posterior means over `n` images
 * of the diffusion training stream (seed `seed`), rounded to 4 significant digits. Unit-variance latents keep the
 * noise schedule's signal-to-noise ratios, so the caption (and in DIVA the CLIP condition) matters at most timesteps.
 */
export async function measureScalingFactor(vae: VAEParams, vaeConfig: AutoencoderKLConfig, seed: number, n = 1024): Promise<number> {
  const stream = diffusionTrainingStream({ seed, size: DEMO_IMAGE_SIZE });
  let s = 0;
  let s2 = 0;
  let count = 0;
  for (let done = 0; done < n; done += 64) {
    const batch = take(stream, Math.min(64, n - done));
    const m = noGrad(() => tidy(() => vaeEncode(vae, worldToVaeInput(batch.map((b) => b.image)), vaeConfig).mean));
    for (const v of await m.data()) {
      s += v;
      s2 += v * v;
      count++;
    }
    m.dispose();
  }
  const std = Math.sqrt(Math.max(s2 / count - (s / count) ** 2, 1e-12));
  return Number((1 / std).toPrecision(4));
}

/** Scaled VAE latents [N, C, h, w] and full captions of `size` images of the diffusion training stream. */
function encodeDataset(vae: VAEParams, vaeConfig: AutoencoderKLConfig, seed: number, size: number): { latents: Tensor; captions: string[] } {
  return encodeCaptioned(vae, vaeConfig, diffusionTrainingStream({ seed, size: DEMO_IMAGE_SIZE }), size);
}

/** The first `count` items of `items` as scaled VAE latents (posterior mean), encoded 64 at a time, with their captions. */
function encodeCaptioned(vae: VAEParams, vaeConfig: AutoencoderKLConfig, items: Iterator<CaptionedImage>, count: number): { latents: Tensor; captions: string[] } {
  const captions: string[] = [];
  const chunks: Tensor[] = [];
  const scale = vaeConfig.scaling_factor ?? 1;
  for (let done = 0; done < count; done += 64) {
    const batch = take(items, Math.min(64, count - done));
    captions.push(...batch.map((b) => b.caption));
    chunks.push(noGrad(() => tidy(() => mul(vaeEncode(vae, worldToVaeInput(batch.map((b) => b.image)), vaeConfig).mean, scale))));
  }
  const latents = keep(concat(chunks, 0));
  dispose(chunks);
  return { latents, captions };
}

/** Pairs of images (one fine attribute apart) with their full captions, encoded once: latents [2N, ...] as all first images, then all second. */
function encodePairDataset(vae: VAEParams, vaeConfig: AutoencoderKLConfig, seed: number, pairs: number, patterns?: readonly MmvpPatternName[]): { latents: Tensor; captions: string[]; pairs: number } {
  const stream = diffusionPairStream({ seed, size: DEMO_IMAGE_SIZE, ...(patterns ? { patterns } : {}) });
  const first: CaptionedImage[] = [];
  const second: CaptionedImage[] = [];
  // pairs whose full captions read the same cannot be told apart by words; they are skipped
  while (first.length < pairs) {
    const [a, b] = stream.next().value as readonly [CaptionedImage, CaptionedImage];
    if (a.caption === b.caption) continue;
    first.push(a);
    second.push(b);
  }
  return { ...encodeCaptioned(vae, vaeConfig, [...first, ...second][Symbol.iterator](), 2 * pairs), pairs };
}

/** Mean squared error per batch row. */
const rowMse = (pred: Tensor, target: Tensor): Tensor => mean(square(sub(pred, target)).reshape([pred.shape[0]!, -1]), 1);

/** Indices of the batch for `step`: epochs over a seeded permutation of the dataset. */
function batchIndices(n: number, batch: number, step: number, seed: number): number[] {
  const perEpoch = Math.floor(n / batch);
  const epoch = Math.floor(step / perEpoch);
  const order = random.samplePermutation(foldIn(randomKey(seed + 3), epoch), n);
  const start = (step % perEpoch) * batch;
  return Array.from(order.subarray(start, start + batch));
}

/** The tiny diffusion model's own text encoder: an open_clip-layout text tower (SD's is a CLIP text model too). */
export function textEncoderConfig(vocabSize: number): ClipTextTowerConfig {
  return { embed_dim: 64, quick_gelu: false, text_cfg: { context_length: DEMO_CONTEXT_LENGTH, vocab_size: vocabSize, width: 64, heads: 4, layers: 2 } };
}

/** The text condition of the tiny diffusion model: its text encoder's tokens after ln_final [B, L, width]. */
export function textCondition(text: ClipTextParams, config: ClipTextTowerConfig, tokenizer: WordTokenizer, texts: readonly string[]): Tensor {
  return tidy(() => applyClipText(text, tokenizer.tokenize(texts), config).lastHiddenState);
}

/** The UNet and its text encoder, trained together. */
export interface TinyDiffusionParams {
  readonly unet: UNetParams;
  readonly text: ClipTextParams;
}

/** Options of the tiny UNet's training. */
interface UnetTrainOptions extends DiffusionTrainOptions {
  /** Start from these weights instead of a fresh initialisation (a continued run). */
  readonly init?: TinyDiffusionParams;
  /**
   * Weight of a token-identity loss on the text encoder (default 0: none): each output token predicts its own
   * input word through the tied token embedding. Trained only through the UNet, the encoder's outputs for words
   * the UNet has not learnt to use yet collapse together ("pointing left" and "pointing right" differed by 5% on
   * the validation world, colour words by 36%), so the UNet never gets a signal to start using them; a
   * pretrained text encoder (SD's is CLIP's) keeps every word apart.
   */
  readonly tokenLossWeight?: number;
  /**
   * A caption-contrast term (default none). Plain denoising gives the UNet almost no reason to read words for
   * details a few pixels wide (an arrow head, a letter, which object is above): measured on the validation world,
   * its error with the true caption and with that detail flipped did not differ. Here pairs of scenes that differ
   * in one fine attribute (`diffusionPairStream`) are noised alike, and each image's error under its partner's
   * caption must exceed its error under its own by `margin` (hinge, weight `weight`); the pair images' own errors
   * join the denoising loss.
   */
  readonly pairContrast?: {
    readonly weight: number;
    readonly margin: number;
    readonly pairsPerStep: number;
    readonly datasetPairs?: number;
    /** MMVP patterns the pairs are drawn from (default all nine): to spend the term on attributes the UNet does not use yet. */
    readonly patterns?: readonly MmvpPatternName[];
    /**
     * Inclusive timestep range of the pairs' noise (default all timesteps). Coarse attributes (which object is on
     * the left) stay visible in the noisy latent up to high noise, so at low and middle timesteps the caption tells
     * the UNet little about them unless the term is spent there.
     */
    readonly timesteps?: readonly [number, number];
  };
  /** Config of the text encoder in `init.text` (default `textEncoderConfig`, the UNet's own small encoder). */
  readonly textConfig?: ClipTextTowerConfig;
  /**
   * Keep the text encoder fixed (default false): its outputs get no gradient. With the tiny CLIP's text tower as
   * `init.text` this is SD's design (a pretrained CLIP text encoder, frozen), which keeps apart words the UNet
   * has not learnt to use yet.
   */
  readonly freezeText?: boolean;
}

/**
 * Trains the tiny UNet and its text encoder from scratch on VAE latents (posterior mean x scaling factor) with
 * epsilon prediction, conditioned on full captions; 10% of captions are dropped to the empty prompt.
 */
export async function trainTinyUnet(vae: VAEParams, vaeConfig: AutoencoderKLConfig, tokenizer: WordTokenizer, o: UnetTrainOptions): Promise<TinyDiffusionParams> {
  const textConfig = o.textConfig ?? textEncoderConfig(tokenizer.vocabSize);
  const init: TinyDiffusionParams = o.init ?? { unet: initUNet(randomKey(o.seed), TINY_UNET_CONFIG), text: initClipText(randomKey(o.seed + 5), textConfig) };
  const encode = (p: TinyDiffusionParams, ids: Tensor): Tensor => {
    const h = applyClipText(p.text, ids, textConfig).lastHiddenState;
    return o.freezeText ? stopGradient(h) : h;
  };
  const sched = new DDPMScheduler(DEMO_SCHEDULER);
  const tokenWeight = o.tokenLossWeight ?? 0;
  if (!(Number.isFinite(tokenWeight) && tokenWeight >= 0)) throw new RangeError(`UNet training: tokenLossWeight must be a non-negative number, got ${tokenWeight}`);
  const contrast = o.pairContrast;
  if (contrast && !(contrast.weight >= 0 && contrast.margin >= 0 && Number.isInteger(contrast.pairsPerStep) && contrast.pairsPerStep >= 1)) {
    throw new RangeError(`UNet training: pairContrast needs weight >= 0, margin >= 0 and an integer pairsPerStep >= 1, got ${JSON.stringify(contrast)}`);
  }
  const pairTimesteps = contrast?.timesteps ?? [0, sched.alphasCumprod.length - 1];
  if (!(Number.isInteger(pairTimesteps[0]) && Number.isInteger(pairTimesteps[1]) && pairTimesteps[0] >= 0 && pairTimesteps[0] <= pairTimesteps[1] && pairTimesteps[1] < sched.alphasCumprod.length)) {
    throw new RangeError(`UNet training: pairContrast.timesteps must be integers [lo, hi] with 0 <= lo <= hi < ${sched.alphasCumprod.length}, got ${JSON.stringify(contrast?.timesteps)}`);
  }
  const condOf = (p: TinyDiffusionParams, captions: readonly string[]) => encode(p, tokenizer.tokenize([...captions]));
  const lossGrad = valueAndGrad((p: TinyDiffusionParams, zt: Tensor, t: Tensor, captions: string[], noise: Tensor, pairBatch: PairBatch | null) =>
    tidy(() => {
      const ids = tokenizer.tokenize(captions);
      const cond = encode(p, ids);
      let loss = mseLoss(unetForward(p.unet, zt, t, cond, TINY_UNET_CONFIG), noise);
      if (tokenWeight !== 0) {
        // each condition token must still say which word it is: logits against the (tied) token embedding
        const [b, l, w] = cond.shape as [number, number, number];
        const logits = matmul(cond.reshape([b * l, w]), transpose(p.text.token_embedding.weight));
        loss = add(loss, mul(crossEntropy(logits, ids.reshape([b * l])), tokenWeight));
      }
      if (pairBatch && contrast) {
        // rows: every pair image under its own caption, then under its partner's, with the same noise and timestep
        const n = pairBatch.own.length;
        const conds = condOf(p, [...pairBatch.own, ...pairBatch.partner]);
        const zt2 = concat([pairBatch.zt, pairBatch.zt], 0);
        const t2 = concat([pairBatch.t, pairBatch.t], 0);
        const errs = rowMse(unetForward(p.unet, zt2, t2, conds, TINY_UNET_CONFIG), concat([pairBatch.noise, pairBatch.noise], 0));
        const own = errs.slice([[0, n]]);
        const swapped = errs.slice([[n, 2 * n]]);
        const hinge = mean(relu(add(sub(own, swapped), contrast.margin)));
        loss = add(add(loss, mean(own)), mul(hinge, contrast.weight));
      }
      return loss;
    }),
  );
  // the VAE is frozen: encode a fixed set of captioned images once, then train for epochs over their latents
  const data = encodeDataset(vae, vaeConfig, o.seed, o.datasetSize ?? 4096);
  const pairData = contrast ? encodePairDataset(vae, vaeConfig, o.seed, contrast.datasetPairs ?? 4096, contrast.patterns) : null;
  const result = await trainLoop(init, { ...o, weightDecay: 0 }, (params, step) => {
    const k = foldIn(randomKey(o.seed + 2), step);
    const idx = batchIndices(data.captions.length, o.batchSize, step, o.seed);
    const captions = idx.map((j, i) => ((step * 7919 + i * 104729) % 10 === 0 ? "" : data.captions[j]!));
    const inputs = noGrad(() =>
      tidy(() => {
        const z0 = indexSelect(data.latents, 0, tensor(Int32Array.from(idx)));
        const noise = normal(foldIn(k, 0), z0.shape);
        const t = randint(foldIn(k, 1), [idx.length], 0, sched.alphasCumprod.length);
        return { zt: sched.addNoise(z0, noise, t), t, noise };
      }),
    );
    const pairBatch = pairData && contrast ? samplePairBatch(pairData, contrast.pairsPerStep, step, o.seed, sched, pairTimesteps, foldIn(k, 2)) : null;
    const [loss, grads] = lossGrad(params, inputs.zt, inputs.t, captions, inputs.noise, pairBatch);
    return { loss, grads, temporaries: pairBatch ? { ...inputs, pzt: pairBatch.zt, pt: pairBatch.t, pnoise: pairBatch.noise } : inputs };
  });
  data.latents.dispose();
  pairData?.latents.dispose();
  return result;
}

/** One step's pair images for the caption-contrast term: both images of each drawn pair, noised. */
interface PairBatch {
  readonly zt: Tensor;
  readonly t: Tensor;
  readonly noise: Tensor;
  /** Each row's own full caption. */
  readonly own: readonly string[];
  /** Each row's partner's full caption (the attribute flipped). */
  readonly partner: readonly string[];
}

function samplePairBatch(
  data: { latents: Tensor; captions: string[]; pairs: number },
  pairsPerStep: number,
  step: number,
  seed: number,
  sched: DDPMScheduler,
  timesteps: readonly [number, number],
  key: ReturnType<typeof randomKey>,
): PairBatch {
  const picked = batchIndices(data.pairs, pairsPerStep, step, seed + 11);
  const rows = [...picked, ...picked.map((i) => i + data.pairs)];
  const partnerOf = (r: number) => (r < data.pairs ? r + data.pairs : r - data.pairs);
  const noised = noGrad(() =>
    tidy(() => {
      const z0 = indexSelect(data.latents, 0, tensor(Int32Array.from(rows)));
      const noise = normal(foldIn(key, 0), z0.shape);
      const t = randint(foldIn(key, 1), [rows.length], timesteps[0], timesteps[1] + 1);
      return { zt: sched.addNoise(z0, noise, t), t, noise };
    }),
  );
  return { ...noised, own: rows.map((r) => data.captions[r]!), partner: rows.map((r) => data.captions[partnerOf(r)]!) };
}
