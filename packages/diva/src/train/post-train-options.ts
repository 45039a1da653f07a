import { getPreset, type ClipView, type DivaPreset, type DrawWeighting, type VaeInput } from "../presets.js";
import type { ConditionSpec } from "../condition.js";
import type { ImageStreamOptions } from "../data/stream.js";
import { referenceDrawWeights, type DivaStepOptions } from "../step.js";

/** The arithmetic of our training runs by default: float32 throughout (the reference's is the preset's `recipe.precision`). */
export const RUN_PRECISION = "float32" as const;

/**
 * The `precision` option of a run: `fp32` (everything float32) or `mixed` (the frozen UNet, VAE and SD text
 * encoder stored in float16 and computed with float32 accumulation; CLIP, the projection, gradients and the
 * optimizer state float32).
 */
export type PrecisionOption = "fp32" | "mixed";

/** What a run records as its arithmetic: `float32`, or `mixed-float16` for `precision: "mixed"`. */
export type RunPrecision = typeof RUN_PRECISION | "mixed-float16";

/** The recorded precision of a `precision` option. */
export function runPrecision(option: PrecisionOption): RunPrecision {
  return option === "mixed" ? "mixed-float16" : RUN_PRECISION;
}

/** One step's optimizer and loss settings, resolved: `divaStep`'s options less `totalSteps` (the run's `steps`). */
export type StepSettings = Omit<DivaStepOptions, "totalSteps"> & Required<Pick<DivaStepOptions, "weightDecay" | "drawWeighting" | "drawWeights">>;

/** How each training image becomes the CLIP and VAE views: the image stream's options less the seed (the run's). */
export type ViewSettings = Omit<ImageStreamOptions, "seed"> & Required<Pick<ImageStreamOptions, "clipView" | "vaeInput">>;

/**
 * The resolved settings of a training run, all that {@link postTrainLoop} reads besides the models and the
 * files: it hands `step` to `divaStep`, `views` to the image stream, and records them in its checkpoints.
 * `postTrain` gets them from {@link resolveRunSettings}; a caller with its own models writes them out.
 */
export interface TrainSettings {
  /** Optimizer steps. */
  readonly steps: number;
  /** Images per optimizer step (gradients accumulated over micro-batches). */
  readonly imagesPerStep: number;
  /** Images per forward/backward pass; divides imagesPerStep. */
  readonly microBatch: number;
  /** Seed of the data order, crops, noise, timesteps and patch draws. */
  readonly seed: number;
  /** Steps between checkpoints when a checkpoint folder is given (none when omitted; the last step is always saved). */
  readonly checkpointEvery?: number;
  /** Each step's optimizer and loss settings. */
  readonly step: StepSettings;
  /** How images become the two views. */
  readonly views: ViewSettings;
  /** How the visual tokens become the condition. */
  readonly condition: ConditionSpec;
  /** The arithmetic of the run, recorded in checkpoints: float32, or mixed-float16 (see {@link PrecisionOption}). */
  readonly precision: RunPrecision;
}

/** A post-training run's {@link TrainSettings}, defaults filled in from its preset's recipe. */
export interface ResolvedRunSettings extends TrainSettings {
  /** The preset. */
  readonly preset: DivaPreset;
  /** Steps between checkpoints. */
  readonly checkpointEvery: number;
}

/** The settings {@link resolveRunSettings} reads. */
export interface RunSettingsInput {
  /** A preset name (`openai-vit-l-14`, ...; see PRESETS) or a preset object (custom models). */
  readonly preset: string | DivaPreset;
  /** Optimizer steps (default: the recipe's 4600). */
  readonly steps?: number;
  /** Images per optimizer step (default: the recipe's 640). */
  readonly imagesPerStep?: number;
  /** Images per forward pass; a step accumulates imagesPerStep / microBatch of them (default: the largest divisor up to 16). */
  readonly microBatch?: number;
  /** Peak learning rate (default: the recipe's 1e-4). */
  readonly lr?: number;
  /** Noise draws per image per step (default: the recipe's 2). */
  readonly draws?: number;
  /**
   * Weighting of the noise draws (default: the preset's, "reference": about 5 g0 + g1 per step whatever the
   * micro-batch split, as the reference code); "mean" takes (g0 + g1) / 2. See DivaStepOptions.drawWeighting.
   */
  readonly drawWeighting?: DrawWeighting;
  /**
   * The CLIP view (default: the preset's, "reference": the VAE view resized bilinearly without antialiasing, as
   * the reference code); "source-bicubic" resizes the source crop bicubically.
   */
  readonly clipView?: ClipView;
  /**
   * What the VAE is fed (default: the preset's, "reference": the CLIP-normalised image un-normalised with
   * ImageNet statistics before 2x - 1, the reference code's quirk); "clean" is 2x - 1 of the image.
   */
  readonly vaeInput?: VaeInput;
  /** Seed of the data order, crops, noise, timesteps, patch draws and projection init (default 0). */
  readonly seed?: number;
  /** Steps between checkpoints (default 100; the last step is always saved). */
  readonly checkpointEvery?: number;
  /**
   * Arithmetic (default "fp32"): "mixed" stores the frozen UNet, VAE and SD text encoder in float16 (where the
   * device has float16: the CPU, WebGPU with shader-f16), halving their memory, with float32 accumulation in
   * matmul/conv/attention/normalisation; CLIP, the projection, gradients and optimizer state stay float32.
   */
  readonly precision?: PrecisionOption;
}

function oneOf<T extends string>(name: string, v: T | undefined, fallback: T, allowed: readonly T[]): T {
  const x = v ?? fallback;
  if (!allowed.includes(x)) throw new Error(`${name} must be ${allowed.map((a) => `"${a}"`).join(" or ")}, got ${JSON.stringify(v)}`);
  return x;
}

/**
 * The largest divisor of `n` that is at most `cap`.
 * @internal
 */
export function largestDivisorAtMost(n: number, cap: number): number {
  for (let d = Math.min(n, cap); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

function positiveInt(name: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  return x;
}

/**
 * Resolves a run's settings: `steps`, `imagesPerStep`, the learning rate, draws, their weighting, the CLIP view
 * and the VAE input default to the preset's recipe,
 * `microBatch` to the largest divisor of imagesPerStep up to 16, `checkpointEvery` to 100, `seed` to 0.
 * Errors name the option (and an unknown preset lists the known ones).
 */
export function resolveRunSettings(o: RunSettingsInput): ResolvedRunSettings {
  const preset = typeof o.preset === "string" ? getPreset(o.preset) : o.preset;
  const steps = positiveInt("steps", o.steps, preset.recipe.steps);
  const imagesPerStep = positiveInt("imagesPerStep", o.imagesPerStep, preset.recipe.imagesPerStep);
  const microBatch = positiveInt("microBatch", o.microBatch, largestDivisorAtMost(imagesPerStep, 16));
  if (imagesPerStep % microBatch !== 0) throw new Error(`imagesPerStep ${imagesPerStep} is not a multiple of microBatch ${microBatch}`);
  const lr = o.lr ?? preset.recipe.lr;
  if (!(Number.isFinite(lr) && lr > 0)) throw new Error(`lr must be a positive number, got ${o.lr}`);
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`seed must be an integer in [0, 2^32), got ${o.seed}`);
  const r = preset.recipe;
  const draws = positiveInt("draws", o.draws, r.drawsPerImage);
  const drawWeighting = oneOf<DrawWeighting>("drawWeighting", o.drawWeighting, r.drawWeighting, ["reference", "mean"]);
  return {
    preset,
    steps,
    imagesPerStep,
    microBatch,
    seed,
    checkpointEvery: positiveInt("checkpointEvery", o.checkpointEvery, 100),
    step: {
      lr,
      momentum: r.momentum,
      weightDecay: r.weightDecay,
      clipNorm: r.clipNorm,
      warmupSteps: Math.round(r.warmupFraction * steps),
      draws,
      drawWeighting,
      drawWeights: drawWeighting === "reference" ? referenceDrawWeights(draws, r.drawWeights) : Array.from({ length: draws }, () => 1),
    },
    views: {
      clipSize: preset.vision.imageSize,
      vaeSize: r.vaeCrop.size,
      cropScale: r.vaeCrop.scale,
      ...(r.vaeCrop.ratio ? { cropRatio: r.vaeCrop.ratio } : {}),
      normalization: preset.trainNormalization,
      clipView: oneOf<ClipView>("clipView", o.clipView, r.clipView, ["reference", "source-bicubic"]),
      vaeInput: oneOf<VaeInput>("vaeInput", o.vaeInput, r.vaeInput, ["reference", "clean"]),
    },
    condition: preset.condition,
    precision: runPrecision(oneOf<PrecisionOption>("precision", o.precision, "fp32", ["fp32", "mixed"])),
  };
}
