import { add, expand, foldIn, gather, mean, randint, randomKey, slice, splitKey, tidy, unsqueeze, type RandomKey, type Tensor } from "@diva/tensor";
import type { PaperFeatures } from "../presets.js";
import type { ClipForEval } from "./clip-model.js";
import { l2Normalize } from "./similarity.js";

/**
 * Image features of MMVP images for the two statements of their pairs: one [B, E] tensor used for both, or one per
 * statement (`[statement 1, statement 2]`), as the reference calls the model once per statement and random
 * features differ between the calls.
 */
export type MmvpImageFeatures = Tensor | readonly [Tensor, Tensor];

/** Options of {@link paperImageFeatures}. */
export interface PaperFeatureOptions {
  /** Seed of the random patch draws (`cls-random-patch-mean`; default 0). The same seed and batch size give the same draws. */
  readonly seed?: number;
}

/** Class token + mean of `n` patch tokens drawn uniformly with replacement per image ([B, E]). */
function clsRandomPatchMean(tokens: Tensor, n: number, key: RandomKey): Tensor {
  const [B, T, E] = tokens.shape as [number, number, number];
  const idx = randint(key, [B, n], 1, T, { device: tokens.device });
  const picked = gather(tokens, 1, expand(unsqueeze(idx, 2), [B, n, E]));
  return add(slice(tokens, [null, 0]), mean(picked, 1));
}

/** Class token + mean of every patch token, each token L2-normalised first ([B, E]). */
function l2ClsPatchMean(tokens: Tensor): Tensor {
  const t = l2Normalize(tokens);
  return add(slice(t, [null, 0]), mean(slice(t, [null, [1, null]]), 1));
}

/**
 * The image feature the paper's MMVP-VLM scripts scored with (the official DIVA repository's `benchmark_model`),
 * read from the tokens after `ln_post` and the projection:
 * - `cls-random-patch-mean` (OpenAI): class token + mean of `patchTokens` (76) patch tokens drawn at random,
 *   afresh for each statement (the reference calls the model once per statement);
 * - `l2-cls-patch-mean` (MetaCLIP, DFN-378): every token L2-normalised (`encode_image(normalize=True)`), then
 *   class token + mean of the patch tokens;
 * - `cls` (DFN-224): the class token;
 * - `pooled` (SigLIP): the attention-pooled token, the standard image embedding.
 * Cosine similarity normalises the result, as the scripts do before their logits.
 */
export function paperImageFeatures(clip: ClipForEval, options: PaperFeatureOptions = {}): (images: Tensor) => MmvpImageFeatures {
  const paper = clip.paperFeatures;
  if (!paper) throw new Error("MMVP paper features: this CLIP has no paper feature (build it with loadedClipForEval from a preset)");
  if (paper.kind === "pooled") return (images) => clip.encodeImage(images);
  const visionTokens = clip.visionTokens?.bind(clip);
  if (!visionTokens) throw new Error(`MMVP paper features: "${paper.kind}" reads the vision tokens, which this CLIP does not expose (visionTokens)`);
  const checked = (images: Tensor): Tensor => {
    const t = visionTokens(images);
    if (t.rank !== 3 || t.shape[1]! < 2) throw new Error(`MMVP paper features: vision tokens must be [batch, 1 + patches, dim], got [${t.shape.join(",")}]`);
    return t;
  };
  switch (paper.kind) {
    case "cls":
      return (images) => tidy(() => slice(checked(images), [null, 0]));
    case "l2-cls-patch-mean":
      return (images) => tidy(() => l2ClsPatchMean(checked(images)));
    case "cls-random-patch-mean": {
      const n = paper.patchTokens ?? 76;
      if (!Number.isInteger(n) || n < 1) throw new Error(`MMVP paper features: patchTokens must be a positive integer, got ${n}`);
      const base = randomKey(options.seed ?? 0);
      let call = 0;
      return (images) =>
        tidy(() => {
          const tokens = checked(images);
          const [k1, k2] = splitKey(foldIn(base, call++), 2) as [RandomKey, RandomKey];
          return [clsRandomPatchMean(tokens, n, k1), clsRandomPatchMean(tokens, n, k2)] as const;
        });
    }
  }
}
