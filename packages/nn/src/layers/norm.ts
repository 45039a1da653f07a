/** Layer and group normalisation over `{ weight, bias }` parameter trees (torch.nn.LayerNorm / GroupNorm). */
import { groupNorm, layerNorm, type RandomKey, type Tensor } from "@diva/tensor";
import { applyActivation, type ActivationName } from "./activation.js";
import { initFromSpecs, spec, type InitOptions, type ParamSpecs, type SpecsOf } from "../checkpoint-names/specs.js";

/** Affine parameters of a normalisation layer (absent without `elementwise_affine` / `affine`). */
export type NormParams = {
  /** Scale. */
  weight?: Tensor;
  /** Shift. */
  bias?: Tensor;
};

/** torch.nn.LayerNorm constructor arguments. */
export interface LayerNormConfig {
  /** Size of the trailing dims normalised over. */
  normalized_shape: number | readonly number[];
  /** Variance epsilon (default 1e-5; timm uses 1e-6). */
  eps?: number;
  /** Learnable weight and bias (default true). */
  elementwise_affine?: boolean;
  /** Learnable bias when affine (default true). */
  bias?: boolean;
}

function dims(s: number | readonly number[]): number[] {
  return typeof s === "number" ? [s] : [...s];
}

/** Layer norm over the trailing dims given by the weight's shape (or `normalized_shape`). */
export function applyLayerNorm(params: NormParams, x: Tensor, config: Partial<LayerNormConfig> = {}): Tensor {
  const shape = config.normalized_shape !== undefined ? dims(config.normalized_shape) : params.weight ? [...params.weight.shape] : [x.shape[x.rank - 1]!];
  return layerNorm(x, shape, params.weight ?? null, params.bias ?? null, config.eps ?? 1e-5);
}

/** Specs of a layer norm: weight ones, bias zeros. */
export function layerNormSpecs(config: LayerNormConfig): SpecsOf<NormParams> {
  if (config.elementwise_affine === false) return {};
  const shape = dims(config.normalized_shape);
  const specs: ParamSpecs = { weight: spec(shape, { kind: "ones" }) };
  if (config.bias ?? true) specs.bias = spec(shape, { kind: "zeros" });
  return specs;
}

/** A freshly initialised layer norm. */
export function initLayerNorm(key: RandomKey, config: LayerNormConfig, options?: InitOptions): NormParams {
  return initFromSpecs(key, layerNormSpecs(config), options);
}

/** torch.nn.GroupNorm constructor arguments. */
export interface GroupNormConfig {
  /** Number of groups. */
  num_groups: number;
  /** Number of channels (dim 1 of the input). */
  num_channels: number;
  /** Variance epsilon (default 1e-5; diffusers often 1e-6). */
  eps?: number;
  /** Learnable per-channel affine (default true). */
  affine?: boolean;
}

/**
 * Group norm of [N, C, ...], then the optional `activation`: SiLU/swish runs fused into the group-norm kernel
 * (one pass), other activations after it.
 */
export function applyGroupNorm(params: NormParams, x: Tensor, config: Pick<GroupNormConfig, "num_groups"> & { eps?: number; activation?: ActivationName }): Tensor {
  const eps = config.eps ?? 1e-5;
  const act = config.activation;
  if (act === "silu" || act === "swish") return groupNorm(x, config.num_groups, { weight: params.weight, bias: params.bias, eps, activation: "silu" });
  const y = groupNorm(x, config.num_groups, params.weight ?? null, params.bias ?? null, eps);
  return act ? applyActivation(y, act) : y;
}

/** Specs of a group norm: weight ones, bias zeros. */
export function groupNormSpecs(config: GroupNormConfig): SpecsOf<NormParams> {
  if (config.affine === false) return {};
  return { weight: spec([config.num_channels], { kind: "ones" }), bias: spec([config.num_channels], { kind: "zeros" }) };
}

/** A freshly initialised group norm. */
export function initGroupNorm(key: RandomKey, config: GroupNormConfig, options?: InitOptions): NormParams {
  return initFromSpecs(key, groupNormSpecs(config), options);
}
