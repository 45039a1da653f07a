import { add, mul, sub, div, tidy, type Tensor } from "@diva/tensor";
import { axpby, NoiseSchedule, type SchedulerStepOutput, type StepNoise } from "./base.js";
import { resolveSchedulerBase, type DDIMSchedulerConfig } from "./config.js";
import { div32, f32, mul32, sqrt32, sub32 } from "./float32.js";

/** Options of a DDIM step. */
export interface DDIMStepOptions extends StepNoise {
  /** Weight of the added noise: 0 is deterministic DDIM, 1 is DDPM-like (default 0). */
  eta?: number;
  /** Recompute the noise estimate from the clipped x_0 (diffusers' `use_clipped_model_output`). */
  useClippedModelOutput?: boolean;
}

/**
 * diffusers' `DDIMScheduler` (Song et al. 2021): the same training schedule as DDPM and the DDIM reverse step,
 * with `set_alpha_to_one`, `steps_offset` and `timestep_spacing` as in diffusers; coefficients in float32.
 *
 * @example
 * ```ts
 * const sched = new DDIMScheduler(config);
 * for (const t of sched.setTimesteps(50)) x = sched.step(unet(x, t), t, x).prevSample;
 * ```
 */
export class DDIMScheduler extends NoiseSchedule {
  /** alpha_prod used for the step after the last timestep (1 with `set_alpha_to_one`, else alphas_cumprod[0]). */
  readonly finalAlphaCumprod: number;

  /** A scheduler for a diffusers `scheduler_config.json` (missing fields take diffusers' defaults). */
  constructor(config: DDIMSchedulerConfig = {}) {
    super(resolveSchedulerBase(config, "DDIMScheduler"));
    this.finalAlphaCumprod = (config.set_alpha_to_one ?? true) ? 1 : this.alphasCumprod[0]!;
  }

  /** The timestep a step from `t` lands on: t - T / n (diffusers' formula, whatever the spacing). */
  previousTimestep(t: number): number {
    if (this.numInferenceSteps === null) throw new Error("DDIMScheduler: call setTimesteps before step");
    return t - Math.floor(this.numTrainTimesteps / this.numInferenceSteps);
  }

  /** The DDIM variance sigma_t^2 / eta^2 = (1 - acp_prev) / (1 - acp_t) * (1 - acp_t / acp_prev), in float32. */
  getVariance(t: number, prev: number = this.previousTimestep(t)): number {
    const at = this.alphaProd(t, "DDIMScheduler.getVariance");
    const aPrev = prev >= 0 ? this.alphaProd(prev, "DDIMScheduler.getVariance") : this.finalAlphaCumprod;
    return mul32(div32(sub32(1, aPrev), sub32(1, at)), sub32(1, div32(at, aPrev)));
  }

  /** One DDIM step from `t` (one of the inference timesteps) to t - T/n. */
  step(modelOutput: Tensor, t: number, sample: Tensor, options: DDIMStepOptions = {}): SchedulerStepOutput {
    return tidy(() => {
      const eta = options.eta ?? 0;
      const prev = this.previousTimestep(t);
      const at = this.alphaProd(t, "DDIMScheduler.step");
      const aPrev = prev >= 0 ? this.alphaProd(prev, "DDIMScheduler.step") : this.finalAlphaCumprod;
      const betaProdT = sub32(1, at);
      const x0 = this.predictOriginal(modelOutput, sample, at, betaProdT);
      let eps: Tensor;
      switch (this.predictionType) {
        case "epsilon":
          eps = modelOutput;
          break;
        case "sample":
          eps = div(sub(sample, mul(x0, sqrt32(at))), sqrt32(betaProdT));
          break;
        case "v_prediction":
          eps = axpby(sqrt32(at), modelOutput, sqrt32(betaProdT), sample);
          break;
      }
      const std = f32(f32(eta) * sqrt32(this.getVariance(t, prev)));
      if (options.useClippedModelOutput) eps = div(sub(sample, mul(x0, sqrt32(at))), sqrt32(betaProdT));
      const direction = mul(eps, sqrt32(sub32(sub32(1, aPrev), mul32(std, std))));
      let prevSample = add(mul(x0, sqrt32(aPrev)), direction);
      if (eta > 0) prevSample = add(prevSample, mul(this.stepNoise(modelOutput, options, "DDIMScheduler.step"), std));
      return { prevSample, predOriginalSample: x0 };
    });
  }
}
