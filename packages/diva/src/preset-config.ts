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
    /** How the condition tokens are chosen (see `ConditionSpec`). */
    readonly kind: DivaPreset["condition"]["kind"];
    /** Patch tokens in the condition (all patches where all are used). */
    readonly patchTokens: number;
    /** Condition tokens in all (class or pooled token + patch tokens). */
    readonly tokens: number;
    /** 1-D average-pooling window (`pooledAvgPool` only). */
    readonly window?: number;
    /** How the SD text embedding of the prompt joins: added token by token, or its mean over tokens added. */
    readonly textCombine: "add" | "mean";
    /** Projection [CLIP token dim, UNet cross-attention dim]. */
    readonly projection: readonly [number, number];
  };
  /** The constant prompt whose SD text embedding joins the condition. */
  readonly prompt: string;
  /** The VAE latents: input resolution, scaling factor, and which latent (the posterior mean). */
  readonly latents: {
    /** Side of the square image the VAE encodes. */
    readonly resolution: number;
    /** Latent scaling factor (SD's 0.18215). */
    readonly scale: number;
    /** The latent used: the mean of the VAE posterior. */
    readonly of: "posterior-mean";
  };
  /** Inclusive range the noise timesteps are drawn from, uniformly. */
  readonly timesteps: readonly [number, number];
  /** What the UNet predicts: the noise. */
  readonly prediction: "epsilon";
  /** The loss: mean squared error over all elements. */
  readonly loss: "mse-mean";
  /** Training augmentation of the images. */
  readonly augmentation: {
    /** RandomResizedCrop of the image for the VAE (the CLIP view is derived from it). */
    readonly randomResizedCrop: {
      /** Output side in pixels. */
      readonly size: number;
      /** Range of the crop's area as a fraction of the image. */
      readonly scale: readonly [number, number];
      /** Range of the crop's aspect ratio. */
      readonly ratio: readonly [number, number];
      /** Resampling filter. */
      readonly interpolation: "bicubic";
    };
  };
  /** How CLIP's input is made from the training crop. */
  readonly clipView: DivaPreset["recipe"]["clipView"];
  /** What the VAE encodes (the reference's quirk or the clean form). */
  readonly vaeInput: DivaPreset["recipe"]["vaeInput"];
  /** Normalisation of CLIP's input during training. */
  readonly trainNormalization: Normalization;
  /** Normalisation of CLIP's input during evaluation. */
  readonly evalNormalization: Normalization;
  /** The optimizer and its settings. */
  readonly optimizer: {
    /** Optimizer name. */
    readonly name: "sgd";
    /** Peak learning rate. */
    readonly lr: number;
    /** Momentum factor. */
    readonly momentum: number;
    /** L2 weight decay. */
    readonly weightDecay: number;
  };
  /** The learning-rate schedule. */
  readonly schedule: {
    /** Schedule name: linear warm-up, then cosine decay. */
    readonly name: "cosine";
    /** Steps of warm-up. */
    readonly warmupSteps: number;
    /** Total optimizer steps. */
    readonly steps: number;
  };
  /** Gradients are clipped to this global L2 norm. */
  readonly clipGradNorm: number;
  /** Images per optimizer step. */
  readonly imagesPerStep: number;
  /** Noise draws per image per step. */
  readonly draws: number;
  /** The default weighting of the draws. */
  readonly drawWeighting: DivaPreset["recipe"]["drawWeighting"];
  /** Relative weights of the draws in the `reference` weighting. */
  readonly drawWeights: readonly number[];
  /** The reference run's arithmetic. */
  readonly precision: DivaPreset["recipe"]["precision"];
  /** Whether the reference allows TF32 matmuls (with `bf16-autocast`). */
  readonly tf32: boolean;
  /** Evaluation settings (resize, features, tokenizer). */
  readonly eval: EvalSettings;
}

/** Number of patch tokens in a preset's condition. */
function conditionPatchTokens(p: DivaPreset): number {
  const c = p.condition;
  if (c.kind === "clsRandomPatches") return c.numPatches;
  if (c.kind === "clsAllPatches") return patchTokenCount(p.vision);
  if (c.kind === "clsOnly") return 0;
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
