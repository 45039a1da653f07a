/**
 * Feed-forward blocks over parameter trees: the two-linear MLP as open_clip (`c_fc`, `c_proj`) and Hugging
 * Face / timm (`fc1`, `fc2`) name it, GEGLU (`proj`), and diffusers' `FeedForward` (`net.0` activation
 * projection, `net.2` output linear).
 */
import { gelu, linear, mul, narrow, type RandomKey, type Tensor } from "@diva/tensor";
import type { ActivationName } from "./activation.js";
import { applyLinear, linearSpecs, type LinearParams } from "./linear.js";
import { initFromSpecs, prefixSpecs, type InitOptions, type ParamSpecs, type SpecsOf } from "../checkpoint-names/specs.js";

/** open_clip / OpenAI CLIP MLP parameters. */
export interface ClipMlpParams {
  /** Expansion linear. */
  c_fc: LinearParams;
  /** Contraction linear. */
  c_proj: LinearParams;
}

/** Hugging Face / timm MLP parameters. */
export interface FcMlpParams {
  /** Expansion linear. */
  fc1: LinearParams;
  /** Contraction linear. */
  fc2: LinearParams;
}

/** Either MLP naming. */
export type MlpParams = ClipMlpParams | FcMlpParams;

/** Size and naming of a two-linear MLP. */
export interface MlpConfig {
  /** Input (and default output) width. */
  in_features: number;
  /** Hidden width. */
  hidden_features: number;
  /** Output width (default in_features). */
  out_features?: number;
  /** Biases (default true). */
  bias?: boolean;
  /** Parameter names: "clip" (c_fc/c_proj, default) or "fc" (fc1/fc2). */
  naming?: "clip" | "fc";
}

/** out(act(in(x))), for either naming. */
export function applyMlp(params: MlpParams, x: Tensor, activation: ActivationName): Tensor {
  const [a, b] = "c_fc" in params ? [params.c_fc, params.c_proj] : [params.fc1, params.fc2];
  return applyLinear(b, applyLinear(a, x, activation));
}

/** Specs of a two-linear MLP (torch default Linear init). */
export function mlpSpecs(config: MlpConfig): SpecsOf<MlpParams> {
  const [n1, n2] = (config.naming ?? "clip") === "clip" ? ["c_fc.", "c_proj."] : ["fc1.", "fc2."];
  const bias = config.bias ?? true;
  return {
    ...prefixSpecs(n1, linearSpecs({ in_features: config.in_features, out_features: config.hidden_features, bias })),
    ...prefixSpecs(n2, linearSpecs({ in_features: config.hidden_features, out_features: config.out_features ?? config.in_features, bias })),
  };
}

/** A freshly initialised MLP. */
export function initMlp(key: RandomKey, config: MlpConfig, options?: InitOptions): MlpParams {
  return initFromSpecs(key, mlpSpecs(config), options);
}

/** GEGLU (diffusers): `proj` maps to twice the width; the first half is gated by GELU of the second. */
export type GegluParams = {
  /** [2 * dim_out, dim_in]. */
  proj: LinearParams;
};

/**
 * h, gate = proj(x).chunk(2, -1); h * gelu(gate) (exact erf GELU). The projection runs as two matmuls over the
 * weight's row halves (contiguous views), so both halves come out contiguous.
 */
export function applyGeglu(params: GegluParams, x: Tensor): Tensor {
  const { weight, bias } = params.proj;
  const inner = weight.shape[0]! / 2;
  const half = (i: number): Tensor => linear(x, narrow(weight, 0, i * inner, inner), bias ? narrow(bias, 0, i * inner, inner) : null);
  return mul(half(0), gelu(half(1)));
}

/** Specs of a GEGLU projection. */
export function gegluSpecs(config: { dim_in: number; dim_out: number; bias?: boolean }): SpecsOf<GegluParams> {
  return prefixSpecs("proj.", linearSpecs({ in_features: config.dim_in, out_features: 2 * config.dim_out, bias: config.bias ?? true }));
}

/** diffusers `FeedForward` parameters: the `net` ModuleList (index 1 is a dropout, without parameters). */
export type FeedForwardParams = {
  /** The `net` ModuleList. */
  net: {
    /** The activation module with its `proj` (to 2 x inner for GEGLU). */
    0: GegluParams;
    /** The output linear. */
    2: LinearParams;
  };
};

/** diffusers `FeedForward` arguments. */
export interface FeedForwardConfig {
  /** Input width. */
  dim: number;
  /** Output width (default dim). */
  dim_out?: number;
  /** Hidden multiplier (default 4). */
  mult?: number;
  /** "geglu" (default), "gelu", "gelu-approximate". */
  activation_fn?: "geglu" | "gelu" | "gelu-approximate";
  /** Hidden width override. */
  inner_dim?: number;
  /** Biases (default true). */
  bias?: boolean;
}

/** net.2(act(net.0.proj(x))) with act GEGLU (the UNet's transformer blocks), GELU or tanh-GELU. */
export function applyFeedForward(params: FeedForwardParams, x: Tensor, config: Pick<FeedForwardConfig, "activation_fn"> = {}): Tensor {
  const act = params.net[0];
  const out = params.net[2];
  const fn = config.activation_fn ?? "geglu";
  const h = fn === "geglu" ? applyGeglu(act, x) : applyLinear(act.proj, x, fn === "gelu" ? "gelu" : "gelu_tanh");
  return applyLinear(out, h);
}

/** Specs of a diffusers `FeedForward`. */
export function feedForwardSpecs(config: FeedForwardConfig): SpecsOf<FeedForwardParams> {
  const inner = config.inner_dim ?? config.dim * (config.mult ?? 4);
  const bias = config.bias ?? true;
  const fn = config.activation_fn ?? "geglu";
  const first =
    fn === "geglu"
      ? gegluSpecs({ dim_in: config.dim, dim_out: inner, bias })
      : prefixSpecs("proj.", linearSpecs({ in_features: config.dim, out_features: inner, bias }));
  return {
    ...prefixSpecs("net.0.", first),
    ...prefixSpecs("net.2.", linearSpecs({ in_features: inner, out_features: config.dim_out ?? config.dim, bias })),
  };
}

/** A freshly initialised diffusers `FeedForward`. */
export function initFeedForward(key: RandomKey, config: FeedForwardConfig, options?: InitOptions): FeedForwardParams {
  return initFromSpecs(key, feedForwardSpecs(config), options);
}
