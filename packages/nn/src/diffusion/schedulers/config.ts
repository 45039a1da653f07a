import type { BetaSchedule } from "./betas.js";

/** What the model predicts: the noise, the clean sample, or the velocity (Imagen Video, section 2.4). */
export type PredictionType = "epsilon" | "sample" | "v_prediction";

/** How `setTimesteps` spaces the inference timesteps (Lin et al. 2023, table 2). */
export type TimestepSpacing = "linspace" | "leading" | "trailing";

/** DDPM's choices for the variance of a reverse step. */
export type VarianceType = "fixed_small" | "fixed_small_log" | "fixed_large" | "fixed_large_log" | "learned" | "learned_range";

/** Fields shared by the DDPM and DDIM scheduler configs (diffusers' `scheduler_config.json`). */
export interface SchedulerConfigBase {
  /** Number of diffusion steps T (default 1000). */
  num_train_timesteps?: number;
  /** First beta (default 0.0001). */
  beta_start?: number;
  /** Last beta (default 0.02). */
  beta_end?: number;
  /** Beta schedule (default "linear"). */
  beta_schedule?: BetaSchedule;
  /** Explicit betas overriding the schedule (default null). */
  trained_betas?: readonly number[] | null;
  /** Clamp the predicted clean sample to +-clip_sample_range (default true). */
  clip_sample?: boolean;
  /** Bound of `clip_sample` (default 1). */
  clip_sample_range?: number;
  /** What the model predicts (default "epsilon"). */
  prediction_type?: PredictionType;
  /** Dynamic thresholding (Imagen); not supported, must be false. */
  thresholding?: boolean;
  /** Spacing of the inference timesteps (default "leading"). */
  timestep_spacing?: TimestepSpacing;
  /** Offset added to the inference timesteps (default 0; SD uses 1). */
  steps_offset?: number;
  /** Rescale betas to zero terminal SNR (default false). */
  rescale_betas_zero_snr?: boolean;
}

/** `DDPMScheduler` config; missing fields take diffusers' defaults. Unknown fields are ignored. */
export interface DDPMSchedulerConfig extends SchedulerConfigBase {
  /** Variance of a reverse step (default "fixed_small"). */
  variance_type?: VarianceType;
}

/** `DDIMScheduler` config; missing fields take diffusers' defaults. Unknown fields are ignored. */
export interface DDIMSchedulerConfig extends SchedulerConfigBase {
  /** Use alpha-bar 1 for the step before t = 0 (else alpha-bar of step 0; default true). */
  set_alpha_to_one?: boolean;
}

/** A scheduler config with every shared field filled in. */
export type ResolvedSchedulerBase = Required<Omit<SchedulerConfigBase, "trained_betas">> & { trained_betas: readonly number[] | null };

const PREDICTIONS: readonly PredictionType[] = ["epsilon", "sample", "v_prediction"];
const SPACINGS: readonly TimestepSpacing[] = ["linspace", "leading", "trailing"];

/** Fills diffusers' defaults into the shared fields and checks them, naming the field at fault. */
export function resolveSchedulerBase(config: SchedulerConfigBase, who: string): ResolvedSchedulerBase {
  const r: ResolvedSchedulerBase = {
    num_train_timesteps: config.num_train_timesteps ?? 1000,
    beta_start: config.beta_start ?? 0.0001,
    beta_end: config.beta_end ?? 0.02,
    beta_schedule: config.beta_schedule ?? "linear",
    trained_betas: config.trained_betas ?? null,
    clip_sample: config.clip_sample ?? true,
    clip_sample_range: config.clip_sample_range ?? 1,
    prediction_type: config.prediction_type ?? "epsilon",
    thresholding: config.thresholding ?? false,
    timestep_spacing: config.timestep_spacing ?? "leading",
    steps_offset: config.steps_offset ?? 0,
    rescale_betas_zero_snr: config.rescale_betas_zero_snr ?? false,
  };
  if (!PREDICTIONS.includes(r.prediction_type)) {
    throw new Error(`${who}: prediction_type ${JSON.stringify(r.prediction_type)} is not one of ${PREDICTIONS.join(", ")}`);
  }
  if (!SPACINGS.includes(r.timestep_spacing)) {
    throw new Error(`${who}: timestep_spacing ${JSON.stringify(r.timestep_spacing)} is not one of ${SPACINGS.join(", ")}`);
  }
  if (r.thresholding) throw new Error(`${who}: thresholding (dynamic thresholding) is not supported`);
  if (!Number.isInteger(r.steps_offset)) throw new Error(`${who}: steps_offset must be an integer, got ${r.steps_offset}`);
  return r;
}

/**
 * The SD-2.1-base scheduler settings (its `scheduler_config.json`, a PNDM config whose schedule DIVA trains
 * with): scaled_linear betas 0.00085..0.012 over 1000 steps, epsilon prediction, no clipping.
 */
export const SD21_BASE_SCHEDULER_CONFIG: DDPMSchedulerConfig & DDIMSchedulerConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  trained_betas: null,
  clip_sample: false,
  prediction_type: "epsilon",
  set_alpha_to_one: false,
  steps_offset: 1,
  timestep_spacing: "leading",
};
