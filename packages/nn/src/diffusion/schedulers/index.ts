/** DDPM and DDIM noise schedulers with diffusers' semantics. @module */
export { DDPMScheduler } from "./ddpm.js";
export { DDIMScheduler, type DDIMStepOptions } from "./ddim.js";
export { NoiseSchedule, type SchedulerStepOutput, type StepNoise } from "./base.js";
export { SD21_BASE_SCHEDULER_CONFIG, type DDPMSchedulerConfig, type DDIMSchedulerConfig, type SchedulerConfigBase, type PredictionType, type TimestepSpacing, type VarianceType } from "./config.js";
export { makeBetas, alphasFromBetas, type BetaSchedule, type BetaScheduleOptions } from "./betas.js";
export { inferenceTimesteps } from "./timesteps.js";
export type { TimestepsLike } from "./noise.js";
export { linspaceF32, cumprodF32 } from "./float32.js";
