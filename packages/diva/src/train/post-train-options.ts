import { getPreset, type ClipView, type DivaPreset, type DrawWeighting, type VaeInput } from "../presets.js";
import { referenceDrawWeights } from "../step.js";

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

/** Numeric settings of a post-training run, defaults filled in from the preset's recipe. */
export interface ResolvedRunSettings {
  /** The preset. */
  readonly preset: DivaPreset;
  /** Optimizer steps. */
  readonly steps: number;
  /** Images per optimizer step (gradients accumulated over micro-batches). */
  readonly imagesPerStep: number;
  /** Images per forward/backward pass; divides imagesPerStep. */
  readonly microBatch: number;
  /** Peak learning rate. */
  readonly lr: number;
  /** Seed of the data order, crops, noise and timesteps. */
  readonly seed: number;
  /** Noise draws per image per step. */
  readonly draws: number;
  /** Steps between checkpoints. */
  readonly checkpointEvery: number;
  /** Warm-up steps (the recipe's warm-up fraction of steps, rounded). */
  readonly warmupSteps: number;
  /** Weighting of the noise draws. */
  readonly drawWeighting: DrawWeighting;
  /** Relative weights of the draws under `reference` weighting, one per draw. */
  readonly drawWeights: readonly number[];
  /** How the CLIP view is made. */
  readonly clipView: ClipView;
  /** What the VAE is fed. */
  readonly vaeInput: VaeInput;
  /** The arithmetic this run uses: float32, or mixed-float16 (frozen models in float16, see {@link PrecisionOption}). */
  readonly precision: RunPrecision;
}

/** The settings {@link resolveRunSettings} reads. */
export interface RunSettingsInput {
  /** A preset name or a preset. */
  readonly preset: string | DivaPreset;
  /** Optimizer steps (default: the recipe's). */
  readonly steps?: number;
  /** Images per optimizer step (default: the recipe's). */
  readonly imagesPerStep?: number;
  /** Images per pass (default: the largest divisor of imagesPerStep up to 16). */
  readonly microBatch?: number;
  /** Peak learning rate (default: the recipe's). */
  readonly lr?: number;
  /** Seed (default 0). */
  readonly seed?: number;
  /** Noise draws per image per step (default: the recipe's). */
  readonly draws?: number;
  /** Steps between checkpoints (default 100). */
  readonly checkpointEvery?: number;
  /** Weighting of the noise draws (default: the recipe's, "reference"). */
  readonly drawWeighting?: DrawWeighting;
  /** How the CLIP view is made (default: the recipe's, "reference"). */
  readonly clipView?: ClipView;
  /** What the VAE is fed (default: the recipe's, "reference"). */
  readonly vaeInput?: VaeInput;
  /** The arithmetic (default "fp32"; see {@link PrecisionOption}). */
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
    lr,
    seed,
    draws,
    checkpointEvery: positiveInt("checkpointEvery", o.checkpointEvery, 100),
    warmupSteps: Math.round(r.warmupFraction * steps),
    drawWeighting,
    drawWeights: drawWeighting === "reference" ? referenceDrawWeights(draws, r.drawWeights) : Array.from({ length: draws }, () => 1),
    clipView: oneOf<ClipView>("clipView", o.clipView, r.clipView, ["reference", "source-bicubic"]),
    vaeInput: oneOf<VaeInput>("vaeInput", o.vaeInput, r.vaeInput, ["reference", "clean"]),
    precision: runPrecision(oneOf<PrecisionOption>("precision", o.precision, "fp32", ["fp32", "mixed"])),
  };
}
