import { noGrad, splitKey, tidy, uniform, type RandomKey, type Tensor } from "@diva/tensor";
import { clipVisionForward, encodeImage, encodeText, unetForward, vaeEncode, DDPMScheduler, type ClipParams } from "@diva/nn";
import type { Projection } from "../condition.js";
import type { ClipForEval } from "../eval/clip-model.js";
import type { FrozenDiffusion } from "../objective.js";
import { OPENAI_NORMALIZATION } from "../presets.js";
import { DEMO_IMAGE_SIZE, DEMO_SCHEDULER } from "./models/configs.js";
import { textCondition } from "./models/diffusion-train.js";
import type { DemoModels } from "./models/store.js";

/** The tiny CLIP with `vision` swapped in, as the evaluations see it (at `imageSize`, default the world's side). */
export function tinyClipForEval(m: DemoModels, vision: ClipParams["visual"] = m.clip.visual, imageSize = DEMO_IMAGE_SIZE): ClipForEval {
  const params = { ...m.clip, visual: vision };
  return {
    imageSize,
    normalization: OPENAI_NORMALIZATION,
    encodeImage: (x: Tensor) => encodeImage(params, m.clipConfig, x),
    encodeText: (texts) => tidy(() => encodeText(params, m.clipConfig, m.tokenizer.tokenize(texts))),
  };
}

/** CLIP vision tokens DIVA conditions on: tokens after ln_post, projected ([B, 1 + P, embed_dim]). */
export function tinyVisionTokens(m: DemoModels): (vision: ClipParams["visual"], images: Tensor) => Tensor {
  return (vision, images) => clipVisionForward({ ...m.clip, visual: vision }, m.clipConfig, images).projectedTokens;
}

/** The frozen tiny diffusion model in the form DIVA uses. */
export function tinyDiffusion(m: DemoModels): FrozenDiffusion {
  return {
    scalingFactor: m.vaeConfig.scaling_factor ?? 1,
    scheduler: new DDPMScheduler(DEMO_SCHEDULER),
    encodeMean: (x) => vaeEncode(m.vae, x, m.vaeConfig).mean,
    predictNoise: (z, t, cond) => unetForward(m.unet, z, t, cond, m.unetConfig),
  };
}

/** The constant text embedding of `prompt` (default "a photo of a .") from the diffusion model's text encoder ([L, width]). */
export function tinyPromptEmbedding(m: DemoModels, prompt = "a photo of a ."): Tensor {
  return noGrad(() => tidy(() => textCondition(m.textEncoder, m.textEncoderConfig, m.tokenizer, [prompt]).reshape([-1, m.textEncoderConfig.text_cfg.width ?? 64])));
}

/** A fresh projection CLIP dim -> cross-attention dim with torch.nn.Linear's default init (uniform ±1/sqrt(in)). */
export function initProjection(key: RandomKey, inDim: number, outDim: number): Projection {
  const bound = 1 / Math.sqrt(inDim);
  const [kw, kb] = splitKey(key) as [RandomKey, RandomKey];
  return { weight: uniform(kw, [outDim, inDim], { min: -bound, max: bound }), bias: uniform(kb, [outDim], { min: -bound, max: bound }) };
}
