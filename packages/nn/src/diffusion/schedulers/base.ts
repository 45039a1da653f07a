import { add, clamp, div, mul, normal, shapesEqual, sub, type RandomKey, type Tensor } from "@diva/tensor";
import { alphasFromBetas, makeBetas } from "./betas.js";
import type { PredictionType, ResolvedSchedulerBase } from "./config.js";
import { sqrt32 } from "./float32.js";
import { addNoiseWith, getVelocityWith, type TimestepsLike } from "./noise.js";
import { inferenceTimesteps } from "./timesteps.js";

/** Where the noise of a stochastic step comes from: a given tensor, or a random key to draw it from. */
export interface StepNoise {
  /** The standard normal noise to scale by the step's standard deviation (diffusers' `variance_noise`). */
  noise?: Tensor;
  /** A key to draw that noise from when `noise` is not given. */
  key?: RandomKey;
}

/** The result of a reverse step. */
export interface SchedulerStepOutput {
  /** x_{t-1}. */
  prevSample: Tensor;
  /** The model's estimate of x_0 at this step. */
  predOriginalSample: Tensor;
}

/** The schedule shared by DDPM and DDIM: betas, alphas, their cumulative product, and the forward process. */
export abstract class NoiseSchedule {
  /** The betas, float32 as diffusers holds them. */
  readonly betas: Float32Array;
  /** 1 - betas. */
  readonly alphas: Float32Array;
  /** The cumulative product of the alphas (float32, accumulated in double as torch's CPU cumprod). */
  readonly alphasCumprod: Float32Array;
  /** Timesteps of the reverse process, descending: all training steps until `setTimesteps` is called. */
  timesteps: number[];
  /** The number of inference steps set by `setTimesteps`, or null. */
  numInferenceSteps: number | null = null;

  /** Builds the schedule from a resolved config. */
  protected constructor(
    /** The resolved config the schedule was built from. */
    protected readonly base: ResolvedSchedulerBase,
  ) {
    this.betas = makeBetas(base);
    const { alphas, alphasCumprod } = alphasFromBetas(this.betas);
    this.alphas = alphas;
    this.alphasCumprod = alphasCumprod;
    this.timesteps = Array.from({ length: base.num_train_timesteps }, (_, i) => base.num_train_timesteps - 1 - i);
  }

  /** The number of training timesteps. */
  get numTrainTimesteps(): number {
    return this.base.num_train_timesteps;
  }

  /** What the model predicts. */
  get predictionType(): PredictionType {
    return this.base.prediction_type;
  }

  /** Chooses `n` inference timesteps with the config's `timestep_spacing` and `steps_offset`. */
  setTimesteps(n: number): number[] {
    this.timesteps = inferenceTimesteps(this.base.num_train_timesteps, n, this.base.timestep_spacing, this.base.steps_offset);
    this.numInferenceSteps = n;
    return this.timesteps;
  }

  /** Forward diffusion: sqrt(acp[t]) * x0 + sqrt(1 - acp[t]) * noise, with t per batch element. */
  addNoise(x0: Tensor, noise: Tensor, timesteps: TimestepsLike): Tensor {
    return addNoiseWith(this.alphasCumprod, x0, noise, timesteps);
  }

  /** The v-prediction target sqrt(acp[t]) * noise - sqrt(1 - acp[t]) * sample. */
  getVelocity(sample: Tensor, noise: Tensor, timesteps: TimestepsLike): Tensor {
    return getVelocityWith(this.alphasCumprod, sample, noise, timesteps);
  }

  /** alphas_cumprod[t], checking t. */
  protected alphaProd(t: number, op: string): number {
    if (!Number.isInteger(t) || t < 0 || t >= this.alphasCumprod.length) {
      throw new Error(`${op}: timestep ${t} is outside 0..${this.alphasCumprod.length - 1}`);
    }
    return this.alphasCumprod[t]!;
  }

  /** x_0 (and, for DDIM, the noise) implied by the model output at a step with alpha_prod_t and beta_prod_t. */
  protected predictOriginal(modelOutput: Tensor, sample: Tensor, alphaProdT: number, betaProdT: number): Tensor {
    const sa = sqrt32(alphaProdT);
    const sb = sqrt32(betaProdT);
    let x0: Tensor;
    switch (this.base.prediction_type) {
      case "epsilon":
        x0 = div(sub(sample, mul(modelOutput, sb)), sa);
        break;
      case "sample":
        x0 = modelOutput;
        break;
      case "v_prediction":
        x0 = sub(mul(sample, sa), mul(modelOutput, sb));
        break;
    }
    if (this.base.clip_sample) x0 = clamp(x0, -this.base.clip_sample_range, this.base.clip_sample_range);
    return x0;
  }

  /** The step noise: the given tensor, or standard normal noise drawn from the key. */
  protected stepNoise(like: Tensor, source: StepNoise, op: string): Tensor {
    if (source.noise) {
      if (!shapesEqual(source.noise.shape, like.shape)) {
        throw new Error(`${op}: noise [${source.noise.shape.join(",")}] must have the model output's shape [${like.shape.join(",")}]`);
      }
      return source.noise;
    }
    if (source.key) return normal(source.key, like.shape, { device: like.device });
    throw new Error(`${op}: this step adds noise; pass { noise } or { key }`);
  }
}

/** a * x + b * y for scalars a, b (float32 tensor arithmetic, as torch evaluates it). */
export function axpby(a: number, x: Tensor, b: number, y: Tensor): Tensor {
  return add(mul(x, a), mul(y, b));
}
