/** Linear layer over a `{ weight, bias }` parameter tree (torch.nn.Linear layout: weight [out, in]). */
import { linear, reshape, type Tensor } from "@diva/tensor";
import { applyActivation, fusedActivation, type ActivationName } from "./activation.js";
import { initFromSpecs, kaimingUniformInit, spec, type InitOptions, type ParamSpecs, type SpecsOf } from "../checkpoint-names/specs.js";
import type { RandomKey } from "@diva/tensor";

/** Parameters of a linear layer, named as torch.nn.Linear stores them. */
export type LinearParams = {
  /** [out_features, in_features]. */
  weight: Tensor;
  /** [out_features], absent when the layer has no bias. */
  bias?: Tensor;
};

/** torch.nn.Linear constructor arguments. */
export interface LinearConfig {
  /** Input width. */
  in_features: number;
  /** Output width. */
  out_features: number;
  /** Whether there is a bias (default true). */
  bias?: boolean;
}

/**
 * y = x @ weight^T + bias, then the optional `activation`, which runs fused with the bias add (one kernel,
 * `act(x + bias)`) where the kernel has it, else as a separate pass.
 */
export function applyLinear(params: LinearParams, x: Tensor, activation?: ActivationName): Tensor {
  const fused = activation ? fusedActivation(activation) : null;
  const y = linear(x, params.weight, params.bias ?? null, fused ? { activation: fused } : {});
  return activation && !fused ? applyActivation(y, activation) : y;
}

/**
 * A Linear, or a 1x1 Conv2d used as one (its weight [out, in, 1, 1] read as [out, in]), applied to tokens
 * [..., in] (diffusers' `Transformer2DModel` proj_in/proj_out are either).
 */
export function applyTokenProjection(params: LinearParams, x: Tensor): Tensor {
  const w = params.weight;
  return linear(x, w.rank === 4 ? reshape(w, [w.shape[0]!, w.shape[1]!]) : w, params.bias ?? null);
}

/** Specs of a linear layer with torch's default init (uniform ±1/sqrt(in_features) for weight and bias). */
export function linearSpecs(config: LinearConfig): SpecsOf<LinearParams> {
  const init = kaimingUniformInit(config.in_features);
  const specs: ParamSpecs = { weight: spec([config.out_features, config.in_features], init) };
  if (config.bias ?? true) specs.bias = spec([config.out_features], init);
  return specs;
}

/** A freshly initialised linear layer (torch's default init). */
export function initLinear(key: RandomKey, config: LinearConfig, options?: InitOptions): LinearParams {
  return initFromSpecs(key, linearSpecs(config), options);
}
