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

/** SigLIP's normalisation. */
export const SIGLIP_NORMALIZATION: Normalization = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

/** The reference training recipe. */
export interface Recipe {
  /** The optimizer (SGD with momentum). */
  readonly optimizer: "sgd";
  /** Peak learning rate. */
  readonly lr: number;
  /** SGD momentum. */
  readonly momentum: number;
  /** Fraction of steps spent in linear warm-up. */
  readonly warmupFraction: number;
  /** Gradient clipping by global norm. */
  readonly clipNorm: number;
  /** Images per optimizer step. */
  readonly imagesPerStep: number;
  /** Optimizer steps. */
  readonly steps: number;
  /** Noise draws per image per step. */
  readonly drawsPerImage: number;
  /** RandomResizedCrop for the VAE input. */
  readonly vaeCrop: {
    /** Output side in pixels. */
    readonly size: number;
    /** Area fraction range. */
    readonly scale: readonly [number, number];
  };
}

/** DIVA's recipe (paper and reference code). */
export const DIVA_RECIPE: Recipe = {
  optimizer: "sgd",
  lr: 1e-4,
  momentum: 0.9,
  warmupFraction: 0.005,
  clipNorm: 1.0,
  imagesPerStep: 640,
  steps: 4600,
  drawsPerImage: 2,
  vaeCrop: { size: 512, scale: [0.9, 1] },
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
  /** The CLIP input normalisation. */
  readonly normalization: Normalization;
  /** How the visual tokens become the condition. */
  readonly condition: ConditionSpec;
  /** SD-2.1-base's cross-attention dim: the projection's output size. */
  readonly crossAttentionDim: number;
  /** The training recipe. */
  readonly recipe: Recipe;
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
const patches = (a: VisionArch) => Math.floor(a.imageSize / a.patchSize) ** 2;

function preset(name: string, model: string, pretrained: string, vision: VisionArch, condition: ConditionSpec): DivaPreset {
  return {
    name,
    openClip: { model, pretrained },
    vision,
    normalization: vision.family === "siglip-vit" ? SIGLIP_NORMALIZATION : OPENAI_NORMALIZATION,
    condition,
    crossAttentionDim: 1024,
    recipe: DIVA_RECIPE,
  };
}

/** The eight reference models, keyed by preset name. */
export const PRESETS: Readonly<Record<string, DivaPreset>> = Object.fromEntries(
  [
    preset("openai-vit-l-14", "ViT-L-14", "openai", L14(224), { kind: "clsRandomPatches", numPatches: 76, text: "add" }),
    preset("openai-vit-l-14-336", "ViT-L-14-336", "openai", L14(336), { kind: "clsRandomPatches", numPatches: 76, text: "add" }),
    preset("metaclip-vit-l-14", "ViT-L-14-quickgelu", "metaclip_fullcc", L14(224), { kind: "clsAllPatches", text: "mean" }),
    preset("metaclip-vit-h-14", "ViT-H-14-quickgelu", "metaclip_fullcc", H14(224), { kind: "clsAllPatches", text: "mean" }),
    preset("siglip-so400m-14-224", "ViT-SO400M-14-SigLIP", "webli", SO400M(224), { kind: "pooledAvgPool", window: 6, text: "mean" }),
    preset("siglip-so400m-14-384", "ViT-SO400M-14-SigLIP-384", "webli", SO400M(384), { kind: "pooledAvgPool", window: 10, text: "mean" }),
    preset("dfn-vit-h-14", "ViT-H-14-quickgelu", "dfn5b", H14(224), { kind: "clsAllPatches", text: "mean" }),
    preset("dfn-vit-h-14-378", "ViT-H-14-378-quickgelu", "dfn5b", H14(378), {
      kind: "clsRandomPatches",
      numPatches: Math.floor(0.5 * patches(H14(378))),
      text: "mean",
    }),
  ].map((p) => [p.name, p]),
);

/** A preset by name, or an error listing the known names. */
export function getPreset(name: string): DivaPreset {
  const p = PRESETS[name];
  if (!p) throw new Error(`unknown preset "${name}"; known presets: ${Object.keys(PRESETS).join(", ")}`);
  return p;
}

/** Number of condition tokens a preset feeds the UNet. */
export function conditionLength(p: DivaPreset): number {
  const P = patches(p.vision);
  switch (p.condition.kind) {
    case "clsRandomPatches":
      return 1 + p.condition.numPatches;
    case "clsAllPatches":
      return 1 + P;
    case "pooledAvgPool":
      return 1 + Math.floor(P / p.condition.window);
  }
}
