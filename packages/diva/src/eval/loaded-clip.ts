import { add, fromHost, mean, slice, tidy, type Tensor } from "@diva/tensor";
import type { ClipModel, ClipTokenizer } from "@diva/nn";
import type { DivaPreset, Normalization } from "../presets.js";
import type { ClipForEval } from "./clip-model.js";

/**
 * A loaded CLIP (`@diva/nn`'s ClipModel) as the evaluations want it: the standard image and text embeddings
 * (open_clip's `encode_image` / `encode_text`), texts tokenized with CLIP's BPE to the text tower's context
 * length, images normalised with the preset's (or the given) normalisation at the tower's resolution.
 */
export function loadedClipForEval(model: ClipModel, normalization: Normalization | DivaPreset, tokenizer: ClipTokenizer): ClipForEval {
  const norm = "normalization" in normalization ? normalization.normalization : normalization;
  const size = model.config.vision_cfg.image_size ?? 224;
  const context = model.config.text_cfg.context_length ?? 77;
  const device = model.logitScale.device;
  return {
    imageSize: typeof size === "number" ? size : size[0],
    normalization: norm,
    encodeImage: (images: Tensor) => model.encodeImage(images),
    encodeText: (texts: readonly string[]) =>
      tidy(() => {
        const { ids, shape } = tokenizer.tokenize(texts, context);
        return model.encodeText(fromHost(ids, "int32", shape, device));
      }),
  };
}

/**
 * The image feature the reference DIVA scripts also report on MMVP (OpenAI, MetaCLIP, DFN-378): the projected
 * class token plus the mean of the projected patch tokens ([B, E]).
 */
export function clsPatchMeanFeatures(model: ClipModel): (images: Tensor) => Tensor {
  return (images) =>
    tidy(() => {
      const tokens = model.visionForward(images).projectedTokens; // [B, 1 + P, E]
      const cls = slice(tokens, [null, 0]);
      return add(cls, mean(slice(tokens, [null, [1, null]]), 1));
    });
}
