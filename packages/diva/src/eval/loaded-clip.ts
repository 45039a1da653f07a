import { add, fromHost, mean, slice, tidy, type Tensor } from "@diva/tensor";
import { usesTimmTower, type ClipModel, type ClipTokenizer, type ClipVisualParams, type SentencePieceTokenizer } from "@diva/nn";
import { clipVisionTokens } from "../models/vision-tokens.js";
import type { DivaPreset, Normalization, TextTokenizerKind } from "../presets.js";
import type { ClipForEval } from "./clip-model.js";

/** A text tokenizer for evaluation: CLIP's BPE (OpenAI, MetaCLIP, DFN) or SigLIP's SentencePiece `tokenizer.json`. */
export type EvalTokenizer = ClipTokenizer | SentencePieceTokenizer;

/** What a SigLIP evaluation needs, for the error when it is missing. */
export const SIGLIP_TOKENIZER_HELP =
  "the tokenizer.json of timm/ViT-B-16-SigLIP (open_clip's tokenizer for every SigLIP model; CLI: --tokenizer path/to/tokenizer.json, library: SentencePieceTokenizer.fromFile(path))";

const isSentencePiece = (t: EvalTokenizer | undefined): t is SentencePieceTokenizer => (t as { kind?: unknown } | undefined)?.kind === "sentencepiece";

/**
 * The tokenizer a model's text tower needs: the preset's, else SentencePiece for timm (SigLIP) towers or HF tokenizer configs.
 * @internal
 */
export function textTokenizerKind(model: ClipModel, preset?: DivaPreset): TextTokenizerKind {
  if (preset) return preset.eval.tokenizer;
  return usesTimmTower(model.config) || model.config.text_cfg.hf_tokenizer_name ? "sentencepiece" : "clip-bpe";
}

/**
 * Checks that `tokenizer` is the kind the model's text tower was trained with; SigLIP without its SentencePiece
 * tokenizer is refused (CLIP's BPE ids run past SigLIP's 32000-token vocabulary).
 */
export function checkEvalTokenizer(kind: TextTokenizerKind, tokenizer: EvalTokenizer | undefined, what: string): EvalTokenizer {
  if (kind === "sentencepiece" && !isSentencePiece(tokenizer)) {
    throw new Error(`${what}: SigLIP text needs its own SentencePiece tokenizer, not CLIP's BPE; give ${SIGLIP_TOKENIZER_HELP}`);
  }
  if (kind === "clip-bpe" && (!tokenizer || isSentencePiece(tokenizer))) {
    throw new Error(`${what}: this CLIP's text tower uses CLIP's BPE tokenizer (bpe_simple_vocab_16e6.txt.gz)${tokenizer ? `, not the SentencePiece ${tokenizer.source}` : ""}`);
  }
  return tokenizer!;
}

/**
 * A loaded CLIP (`@diva/nn`'s ClipModel) as the evaluations want it: the standard image and text embeddings
 * (open_clip's `encode_image` / `encode_text`), texts tokenized to the text tower's context length with the
 * model's tokenizer (CLIP's BPE, or SigLIP's SentencePiece `tokenizer.json`, which a SigLIP model refuses to go
 * without), images resized and normalised as the preset's evaluation says (SigLIP: squash, 0.5/0.5), and the
 * vision tokens and paper feature the preset names for `evalMMVP(..., { features: "paper" })`.
 */
export function loadedClipForEval(model: ClipModel, normalization: Normalization | DivaPreset, tokenizer?: EvalTokenizer): ClipForEval {
  const preset = "evalNormalization" in normalization ? normalization : undefined;
  const norm = preset ? preset.evalNormalization : (normalization as Normalization);
  const tok = checkEvalTokenizer(textTokenizerKind(model, preset), tokenizer, preset ? `evaluating ${preset.name}` : "evaluation");
  const size = model.config.vision_cfg.image_size ?? 224;
  // the tower's own context, as the reference (`context_length=model.context_length`); the preset's for configs without one
  const context = model.config.text_cfg.context_length ?? preset?.eval.contextLength ?? 77;
  const device = model.logitScale.device;
  const tokens = clipVisionTokens(model.config);
  return {
    imageSize: typeof size === "number" ? size : size[0],
    normalization: norm,
    ...(preset ? { resize: preset.eval.resize } : {}),
    encodeImage: (images: Tensor) => model.encodeImage(images),
    encodeText: (texts: readonly string[]) =>
      tidy(() => {
        const { ids, shape } = tok.tokenize(texts, context);
        return model.encodeText(fromHost(ids, "int32", shape, device));
      }),
    visionTokens: (images: Tensor) => tokens(model.params.visual as ClipVisualParams, images),
    ...(preset
      ? { paperFeatures: { kind: preset.eval.paperFeatures, ...(preset.eval.paperPatchTokens ? { patchTokens: preset.eval.paperPatchTokens } : {}) } }
      : {}),
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
