import { add, div, exp, mul, split, sqrt, sub, tidy, type Tensor } from "@diva/tensor";
import { axpby, NoiseSchedule, type SchedulerStepOutput, type StepNoise } from "./base.js";
import { resolveSchedulerBase, type DDPMSchedulerConfig, type VarianceType } from "./config.js";
import { div32, f32, mul32, sqrt32, sub32 } from "./float32.js";

const VARIANCES: readonly VarianceType[] = ["fixed_small", "fixed_small_log", "fixed_large", "fixed_large_log", "learned", "learned_range"];

/**
 * diffusers' `DDPMScheduler` (Ho et al. 2020): the training noise schedule (`addNoise`, `getVelocity`) and the
 * ancestral reverse step, with every coefficient computed in float32 as diffusers does.
 *
 * @example
 * ```ts
 * const sched = new DDPMScheduler({ beta_schedule: "scaled_linear", beta_start: 0.00085, beta_end: 0.012 });
 * const noisy = sched.addNoise(latents, noise, t);
 * ```
 */
export class DDPMScheduler extends NoiseSchedule {
  /** The variance type of the reverse step. */
  readonly varianceType: VarianceType;
  private customTimesteps = false;

  /** A scheduler for a diffusers `scheduler_config.json` (missing fields take diffusers' defaults). */
  constructor(config: DDPMSchedulerConfig = {}) {
    super(resolveSchedulerBase(config, "DDPMScheduler"));
    this.varianceType = config.variance_type ?? "fixed_small";
    if (!VARIANCES.includes(this.varianceType)) {
      throw new Error(`DDPMScheduler: variance_type ${JSON.stringify(this.varianceType)} is not one of ${VARIANCES.join(", ")}`);
    }
  }

  /** Chooses `n` inference timesteps, or takes custom descending `timesteps` when `n` is an array. */
  override setTimesteps(n: number | readonly number[]): number[] {
    if (typeof n === "number") {
      this.customTimesteps = false;
      return super.setTimesteps(n);
    }
    for (let i = 1; i < n.length; i++) {
      if (n[i]! >= n[i - 1]!) throw new Error("DDPMScheduler.setTimesteps: custom timesteps must be in descending order");
    }
    if (n.length && n[0]! >= this.numTrainTimesteps) {
      throw new Error(`DDPMScheduler.setTimesteps: timesteps must start below num_train_timesteps ${this.numTrainTimesteps}`);
    }
    this.customTimesteps = true;
    this.numInferenceSteps = null;
    this.timesteps = [...n];
    return this.timesteps;
  }

  /** The timestep after `t` in the reverse process (-1 after the last). */
  previousTimestep(t: number): number {
    if (!this.customTimesteps && this.numInferenceSteps === null) return t - 1;
    const i = this.timesteps.indexOf(t);
    if (i < 0) throw new Error(`DDPMScheduler: timestep ${t} is not one of the inference timesteps`);
    return i === this.timesteps.length - 1 ? -1 : this.timesteps[i + 1]!;
  }

  /** alpha_prod_t, alpha_prod_{t_prev} and beta_t of the step from t. */
  private stepAlphas(t: number): { at: number; aPrev: number; betaT: number } {
    const prev = this.previousTimestep(t);
    const at = this.alphaProd(t, "DDPMScheduler.step");
    const aPrev = prev >= 0 ? this.alphaProd(prev, "DDPMScheduler.step") : 1;
    return { at, aPrev, betaT: sub32(1, div32(at, aPrev)) };
  }

  /**
   * The posterior variance of the step from `t` for the fixed variance types (float32): `fixed_small` is
   * beta~_t = (1 - acp_prev) / (1 - acp_t) * beta_t clamped at 1e-20, `fixed_small_log` its square root,
   * `fixed_large` beta_t, `fixed_large_log` log(beta_t).
   */
  getVariance(t: number, varianceType: VarianceType = this.varianceType): number {
    const { at, aPrev, betaT } = this.stepAlphas(t);
    const small = Math.max(mul32(div32(sub32(1, aPrev), sub32(1, at)), betaT), f32(1e-20));
    switch (varianceType) {
      case "fixed_small":
        return small;
      case "fixed_small_log":
        return f32(Math.exp(f32(0.5 * f32(Math.log(small)))));
      case "fixed_large":
        return betaT;
      case "fixed_large_log":
        return f32(Math.log(betaT));
      default:
        throw new Error(`DDPMScheduler.getVariance: variance_type ${varianceType} depends on the model output`);
    }
  }

  /**
   * One ancestral step from `t` to the previous timestep: predicts x_0 from the model output (clipped when
   * `clip_sample`), forms the posterior mean, and for t > 0 adds the variance times `noise` (or normal noise
   * drawn from `key`). With a learned variance type, the model output carries the variance in its second half
   * of channels.
   */
  step(modelOutput: Tensor, t: number, sample: Tensor, noise: StepNoise = {}): SchedulerStepOutput {
    return tidy(() => {
      let output = modelOutput;
      let predictedVariance: Tensor | null = null;
      const learned = this.varianceType === "learned" || this.varianceType === "learned_range";
      if (learned && modelOutput.shape[1] === sample.shape[1]! * 2) {
        [output, predictedVariance] = split(modelOutput, sample.shape[1]!, 1) as [Tensor, Tensor];
      }
      const { at, aPrev, betaT } = this.stepAlphas(t);
      const betaProdT = sub32(1, at);
      const betaProdPrev = sub32(1, aPrev);
      const currentAlpha = div32(at, aPrev);
      const x0 = this.predictOriginal(output, sample, at, betaProdT);
      const x0Coeff = div32(mul32(sqrt32(aPrev), betaT), betaProdT);
      const sampleCoeff = div32(mul32(sqrt32(currentAlpha), betaProdPrev), betaProdT);
      let prev = axpby(x0Coeff, x0, sampleCoeff, sample);
      if (t > 0) {
        const z = this.stepNoise(output, noise, "DDPMScheduler.step");
        prev = add(prev, this.scaledNoise(t, z, predictedVariance));
      }
      return { prevSample: prev, predOriginalSample: x0 };
    });
  }

  /** The noise term of a step: the standard deviation of the variance type times z. */
  private scaledNoise(t: number, z: Tensor, predicted: Tensor | null): Tensor {
    switch (this.varianceType) {
      case "fixed_small_log":
        return mul(z, this.getVariance(t));
      case "learned":
        if (!predicted) throw new Error("DDPMScheduler.step: variance_type learned needs a model output with twice the channels");
        return mul(sqrt(predicted), z);
      case "learned_range": {
        if (!predicted) throw new Error("DDPMScheduler.step: variance_type learned_range needs a model output with twice the channels");
        const minLog = f32(Math.log(this.getVariance(t, "fixed_small")));
        const maxLog = f32(Math.log(this.getVariance(t, "fixed_large")));
        const frac = div(add(predicted, 1), 2);
        const logVar = add(mul(frac, maxLog), mul(sub(1, frac), minLog));
        return mul(exp(mul(logVar, 0.5)), z);
      }
      default:
        return mul(z, sqrt32(this.getVariance(t)));
    }
  }
}

