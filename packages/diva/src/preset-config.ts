import { conditionLength, patchTokenCount, type DivaPreset, type EvalSettings, type Normalization } from "./presets.js";

/** Constants of DIVA's objective with SD-2.1-base that no preset changes. */
export const DIVA_OBJECTIVE = {
  /** The constant prompt whose SD text embedding joins the condition. */
  prompt: "a photo of a .",
  /** The VAE's latent scaling factor (SD's 0.18215). */
  latentScale: 0.18215,
  /** Timesteps are drawn uniformly from this inclusive range. */
  timesteps: [0, 999] as const,
} as const;

/** A preset's resolved configuration, as `diva presets show NAME --json` prints it. */
export interface PresetConfig {
  /** Preset name. */
  readonly name: string;
  /** open_clip model name. */
  readonly model: string;
  /** open_clip pretrained tag. */
  readonly pretrained: string;
  /** The vision tower's resolution. */
  readonly imageSize: number;
  /** The condition: token selection, how the text joins, and the projection [in, out]. */
  readonly condition: {
    readonly kind: DivaPreset["condition"]["kind"];
    /** Patch tokens in the condition (all patches where all are used). */
    readonly patchTokens: number;
    /** Condition tokens in all (class or pooled token + patch tokens). */
    readonly tokens: number;
    /** 1-D average-pooling window (`pooledAvgPool` only). */
    readonly window?: number;
    readonly textCombine: "add" | "mean";
    /** Projection [CLIP token dim, UNet cross-attention dim]. */
    readonly projection: readonly [number, number];
  };
  readonly prompt: string;
  readonly latents: { readonly resolution: number; readonly scale: number; readonly of: "posterior-mean" };
  readonly timesteps: readonly [number, number];
  readonly prediction: "epsilon";
  readonly loss: "mse-mean";
  readonly augmentation: {
    readonly randomResizedCrop: {
      readonly size: number;
      readonly scale: readonly [number, number];
      readonly ratio: readonly [number, number];
      readonly interpolation: "bicubic";
    };
  };
  readonly clipView: DivaPreset["recipe"]["clipView"];
  readonly vaeInput: DivaPreset["recipe"]["vaeInput"];
  readonly trainNormalization: Normalization;
  readonly evalNormalization: Normalization;
  readonly optimizer: { readonly name: "sgd"; readonly lr: number; readonly momentum: number; readonly weightDecay: number };
  readonly schedule: { readonly name: "cosine"; readonly warmupSteps: number; readonly steps: number };
  readonly clipGradNorm: number;
  readonly imagesPerStep: number;
  readonly draws: number;
  /** The default weighting of the draws. */
  readonly drawWeighting: DivaPreset["recipe"]["drawWeighting"];
  /** Relative weights of the draws in the `reference` weighting. */
  readonly drawWeights: readonly number[];
  /** The reference run's arithmetic. */
  readonly precision: DivaPreset["recipe"]["precision"];
  /** Whether the reference allows TF32 matmuls (with `bf16-autocast`). */
  readonly tf32: boolean;
  readonly eval: EvalSettings;
}

/** Number of patch tokens in a preset's condition. */
function conditionPatchTokens(p: DivaPreset): number {
  const c = p.condition;
  if (c.kind === "clsRandomPatches") return c.numPatches;
  if (c.kind === "clsAllPatches") return patchTokenCount(p.vision);
  return conditionLength(p) - 1;
}

/** The resolved configuration of a preset: every setting of the reference recipe and evaluation. */
export function presetConfig(p: DivaPreset): PresetConfig {
  const r = p.recipe;
  const c = p.condition;
  return {
    name: p.name,
    model: p.openClip.model,
    pretrained: p.openClip.pretrained,
    imageSize: p.vision.imageSize,
    condition: {
      kind: c.kind,
      patchTokens: conditionPatchTokens(p),
      tokens: conditionLength(p),
      ...(c.kind === "pooledAvgPool" ? { window: c.window } : {}),
      textCombine: c.text,
      projection: [p.vision.embedDim, p.crossAttentionDim],
    },
    prompt: DIVA_OBJECTIVE.prompt,
    latents: { resolution: r.vaeCrop.size, scale: DIVA_OBJECTIVE.latentScale, of: "posterior-mean" },
    timesteps: DIVA_OBJECTIVE.timesteps,
    prediction: "epsilon",
    loss: "mse-mean",
    augmentation: {
      randomResizedCrop: { size: r.vaeCrop.size, scale: r.vaeCrop.scale, ratio: r.vaeCrop.ratio ?? [3 / 4, 4 / 3], interpolation: "bicubic" },
    },
    clipView: r.clipView,
    vaeInput: r.vaeInput,
    trainNormalization: p.trainNormalization,
    evalNormalization: p.evalNormalization,
    optimizer: { name: r.optimizer, lr: r.lr, momentum: r.momentum, weightDecay: r.weightDecay },
    schedule: { name: "cosine", warmupSteps: Math.round(r.warmupFraction * r.steps), steps: r.steps },
    clipGradNorm: r.clipNorm,
    imagesPerStep: r.imagesPerStep,
    draws: r.drawsPerImage,
    drawWeighting: r.drawWeighting,
    drawWeights: r.drawWeights,
    precision: r.precision,
    tf32: r.precision === "bf16-autocast",
    eval: p.eval,
  };
}
