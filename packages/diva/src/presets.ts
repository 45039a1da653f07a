import type { ConditionSpec } from "./condition.js";

/** Per-channel normalisation of CLIP inputs. */
export interface Normalization {
  /** Per-channel mean (RGB, in [0, 1] units). */
  readonly mean: readonly [number, number, number];
  /** Per-channel standard deviation. */
  readonly std: readonly [number, number, number];
}

/** OpenAI CLIP's normalisation (also MetaCLIP and DFN). */
export const OPENAI_NORMALIZATION: Normalization = {
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
};

/** SigLIP's normalisation (its evaluation; the reference trains SigLIP with OpenAI's). */
export const SIGLIP_NORMALIZATION: Normalization = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

/**
 * How the two noise draws of an image are weighted in a step's gradient:
 * - `reference`: draw d gets `drawWeights[d] / M` over M micro-batches, so a step's gradient is about
 *   `5 g0 + g1` (g0, g1: mean gradients of each draw over the step's images) whatever the split, as the
 *   reference code gives (draw 0 back-propagated unscaled in the forward, draw 1 divided by its 5
 *   accumulation steps, averaged over 8 GPUs);
 * - `mean`: every draw gets `1 / (draws M)`, the mean `(g0 + g1) / 2`.
 */
export type DrawWeighting = "reference" | "mean";

/** CLIP view: `reference` resizes the normalised VAE view bilinearly without antialiasing; `source-bicubic` resizes the source crop. */
export type ClipView = "reference" | "source-bicubic";

/** VAE input: `reference` un-normalises the CLIP-normalised image with ImageNet statistics before `2x - 1`; `clean` is `2x - 1` of the image. */
export type VaeInput = "reference" | "clean";

/** Arithmetic of a run: the reference's bf16 autocast (TF32 matmuls), or float32 throughout (ours). */
export type Precision = "bf16-autocast" | "float32";

/** Evaluation resize: shorter side to the resolution then a centre crop (CLIP), or both sides to it (`squash`, SigLIP). */
export type EvalResize = "shorter-side-crop" | "squash";

/** Text tokenizer of a model's evaluation. */
export type TextTokenizerKind = "clip-bpe" | "sentencepiece";

/**
 * The image feature the paper's MMVP-VLM scripts scored with:
 * - `cls-random-patch-mean`: class token + mean of `paperPatchTokens` patch tokens drawn at random per call (OpenAI);
 * - `l2-cls-patch-mean`: every token L2-normalised, then class token + mean of all patch tokens (MetaCLIP, DFN-378);
 * - `cls`: the class token (DFN-224);
 * - `pooled`: the attention-pooled token (SigLIP).
 */
export type PaperFeatures = "cls-random-patch-mean" | "l2-cls-patch-mean" | "cls" | "pooled";

/** How a model is evaluated (MMVP-VLM, zero-shot), as the reference scripts do. */
export interface EvalSettings {
  /** Tokenizer of the text tower. */
  readonly tokenizer: TextTokenizerKind;
  /** Text context length in tokens. */
  readonly contextLength: number;
  /** Image resize before the tower. */
  readonly resize: EvalResize;
  /** Feature of the paper's MMVP-VLM scripts (the standard protocol uses the image embedding). */
  readonly paperFeatures: PaperFeatures;
  /** Patch tokens drawn per call for `cls-random-patch-mean`. */
  readonly paperPatchTokens?: number;
}

/** The reference training recipe. */
export interface Recipe {
  /** The optimizer (SGD with momentum). */
  readonly optimizer: "sgd";
  /** Peak learning rate. */
  readonly lr: number;
  /** SGD momentum. */
  readonly momentum: number;
  /** SGD weight decay. */
  readonly weightDecay: number;
  /** Fraction of steps spent in linear warm-up (step k gets lr k / warm-up steps). */
  readonly warmupFraction: number;
  /** Gradient clipping by global norm. */
  readonly clipNorm: number;
  /** Images per optimizer step. */
  readonly imagesPerStep: number;
  /** Optimizer steps. */
  readonly steps: number;
  /** Noise draws per image per step. */
  readonly drawsPerImage: number;
  /** Weighting of the draws in a step's gradient. */
  readonly drawWeighting: DrawWeighting;
  /** Relative weights of the draws in the `reference` weighting (draw 0 first): [5, 1]. */
  readonly drawWeights: readonly number[];
  /** RandomResizedCrop for the VAE input (bicubic). */
  readonly vaeCrop: {
    /** Output side in pixels. */
    readonly size: number;
    /** Area fraction range. */
    readonly scale: readonly [number, number];
    /** Aspect ratio range (default [3/4, 4/3]). */
    readonly ratio?: readonly [number, number];
  };
  /** How the CLIP view is made. */
  readonly clipView: ClipView;
  /** What the VAE is fed. */
  readonly vaeInput: VaeInput;
  /** The reference run's arithmetic (ours is float32; the run config records which was used). */
  readonly precision: Precision;
}

/**
 * DIVA's recipe (paper and reference code): 640 images per step are 8 GPUs x 16 x 5 accumulation steps; the
 * reference trains under bf16 autocast with TF32 matmuls.
 */
export const DIVA_RECIPE: Recipe = {
  optimizer: "sgd",
  lr: 1e-4,
  momentum: 0.9,
  weightDecay: 0,
  warmupFraction: 0.005,
  clipNorm: 1.0,
  imagesPerStep: 640,
  steps: 4600,
  drawsPerImage: 2,
  drawWeighting: "reference",
  drawWeights: [5, 1],
  vaeCrop: { size: 512, scale: [0.9, 1], ratio: [3 / 4, 4 / 3] },
  clipView: "reference",
  vaeInput: "reference",
  precision: "bf16-autocast",
};

/** Vision tower architecture in open_clip's `vision_cfg` terms (timm for SigLIP). */
export interface VisionArch {
  /** OpenAI-style ViT (class token, ln_post, proj) or timm SigLIP ViT (attention-pool head). */
  readonly family: "openai-vit" | "siglip-vit";
  /** Input resolution. */
  readonly imageSize: number;
  /** Patch size. */
  readonly patchSize: number;
  /** Transformer width. */
  readonly width: number;
  /** Transformer blocks. */
  readonly layers: number;
  /** Attention heads. */
  readonly heads: number;
  /** Hidden width of the MLPs. */
  readonly mlpDim: number;
  /** Dim of the tokens DIVA reads (after the output projection; SigLIP has none). */
  readonly embedDim: number;
  /** MLP activation. */
  readonly activation: "quick_gelu" | "gelu" | "gelu_tanh";
}

/** A reference model DIVA was run on. */
export interface DivaPreset {
  /** Preset name, e.g. "openai-vit-l-14". */
  readonly name: string;
  /** open_clip model name and pretrained tag of the reference checkpoint. */
  readonly openClip: {
    /** open_clip model name, e.g. "ViT-L-14". */
    readonly model: string;
    /** open_clip pretrained tag, e.g. "openai". */
    readonly pretrained: string;
  };
  /** The vision tower's architecture. */
  readonly vision: VisionArch;
  /** Normalisation of the CLIP view in training (the reference: OpenAI's for every family). */
  readonly trainNormalization: Normalization;
  /** Normalisation of images in evaluation (the model's own: SigLIP 0.5/0.5). */
  readonly evalNormalization: Normalization;
  /** How the visual tokens become the condition. */
  readonly condition: ConditionSpec;
  /** SD-2.1-base's cross-attention dim: the projection's output size. */
  readonly crossAttentionDim: number;
  /** The training recipe. */
  readonly recipe: Recipe;
  /** How the model is evaluated. */
  readonly eval: EvalSettings;
}

const L14 = (imageSize: number): VisionArch => ({
  family: "openai-vit",
  imageSize,
  patchSize: 14,
  width: 1024,
  layers: 24,
  heads: 16,
  mlpDim: 4096,
  embedDim: 768,
  activation: "quick_gelu",
});

const H14 = (imageSize: number): VisionArch => ({
  family: "openai-vit",
  imageSize,
  patchSize: 14,
  width: 1280,
  layers: 32,
  heads: 16,
  mlpDim: 5120,
  embedDim: 1024,
  activation: "quick_gelu",
});

const SO400M = (imageSize: number): VisionArch => ({
  family: "siglip-vit",
  imageSize,
  patchSize: 14,
  width: 1152,
  layers: 27,
  heads: 16,
  mlpDim: 4304,
  embedDim: 1152,
  // timm's SigLIP towers (as open_clip loads them) use the erf GELU
  activation: "gelu",
});

/** Patch tokens of a tower: the patch conv drops a remainder (384 / 14 gives 27 x 27). */
export const patchTokenCount = (a: VisionArch) => Math.floor(a.imageSize / a.patchSize) ** 2;

/** CLIP models: OpenAI's normalisation, CLIP BPE at 77 tokens, shorter-side resize and centre crop. */
const clipEval = (paperFeatures: PaperFeatures, paperPatchTokens?: number): EvalSettings => ({
  tokenizer: "clip-bpe",
  contextLength: 77,
  resize: "shorter-side-crop",
  paperFeatures,
  ...(paperPatchTokens ? { paperPatchTokens } : {}),
});

/** SigLIP: its SentencePiece tokenizer (context 16 at 224, 64 at 384, as open_clip's configs), squash resize. */
const siglipEval = (contextLength: number): EvalSettings => ({ tokenizer: "sentencepiece", contextLength, resize: "squash", paperFeatures: "pooled" });

function preset(name: string, model: string, pretrained: string, vision: VisionArch, condition: ConditionSpec, evalSettings: EvalSettings): DivaPreset {
  return {
    name,
    openClip: { model, pretrained },
    vision,
    // the reference normalises training inputs with OpenAI's statistics for every family, SigLIP included
    trainNormalization: OPENAI_NORMALIZATION,
    evalNormalization: vision.family === "siglip-vit" ? SIGLIP_NORMALIZATION : OPENAI_NORMALIZATION,
    condition,
    crossAttentionDim: 1024,
    recipe: DIVA_RECIPE,
    eval: evalSettings,
  };
}

/** The eight reference models, keyed by preset name. */
export const PRESETS: Readonly<Record<string, DivaPreset>> = Object.fromEntries(
  [
    preset("openai-vit-l-14", "ViT-L-14", "openai", L14(224), { kind: "clsRandomPatches", numPatches: 76, text: "add" }, clipEval("cls-random-patch-mean", 76)),
    preset("openai-vit-l-14-336", "ViT-L-14-336", "openai", L14(336), { kind: "clsRandomPatches", numPatches: 76, text: "add" }, clipEval("cls-random-patch-mean", 76)),
    preset("metaclip-vit-l-14", "ViT-L-14-quickgelu", "metaclip_fullcc", L14(224), { kind: "clsAllPatches", text: "mean" }, clipEval("l2-cls-patch-mean")),
    preset("metaclip-vit-h-14", "ViT-H-14-quickgelu", "metaclip_fullcc", H14(224), { kind: "clsAllPatches", text: "mean" }, clipEval("l2-cls-patch-mean")),
    preset("siglip-so400m-14-224", "ViT-SO400M-14-SigLIP", "webli", SO400M(224), { kind: "pooledAvgPool", window: 6, text: "mean" }, siglipEval(16)),
    preset("siglip-so400m-14-384", "ViT-SO400M-14-SigLIP-384", "webli", SO400M(384), { kind: "pooledAvgPool", window: 10, text: "mean" }, siglipEval(64)),
    preset("dfn-vit-h-14", "ViT-H-14-quickgelu", "dfn5b", H14(224), { kind: "clsAllPatches", text: "mean" }, clipEval("cls")),
    preset(
      "dfn-vit-h-14-378",
      "ViT-H-14-378-quickgelu",
      "dfn5b",
      H14(378),
      { kind: "clsRandomPatches", numPatches: Math.floor(0.5 * patchTokenCount(H14(378))), text: "mean" },
      clipEval("l2-cls-patch-mean"),
    ),
  ].map((p) => [p.name, p]),
);

/** A preset by name, or an error listing the known names. */
export function getPreset(name: string): DivaPreset {
  const p = PRESETS[name];
  if (!p) throw new Error(`unknown preset "${name}"; known presets: ${Object.keys(PRESETS).join(", ")}`);
  return p;
}

/** Tokens of SD's text embedding of the prompt (the text encoder's `max_position_embeddings`). */
const SD_PROMPT_TOKENS = 77;

/** Number of condition tokens a preset feeds the UNet. */
export function conditionLength(p: DivaPreset): number {
  const P = patchTokenCount(p.vision);
  switch (p.condition.kind) {
    case "clsOnly":
      // one token; added to every token of the prompt's embedding under "add"
      return p.condition.text === "add" ? SD_PROMPT_TOKENS : 1;
    case "clsRandomPatches":
      return 1 + p.condition.numPatches;
    case "clsAllPatches":
      return 1 + P;
    case "pooledAvgPool":
      return 1 + Math.floor(P / p.condition.window);
  }
}
