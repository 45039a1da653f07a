/**
 * Multi-head attention over parameter trees in the four layouts the reference checkpoints use:
 * - fused `in_proj_weight`/`in_proj_bias` + `out_proj` (torch.nn.MultiheadAttention, open_clip, OpenAI CLIP);
 * - `qkv` + `proj` linears (timm ViT);
 * - separate `q_proj`/`k_proj`/`v_proj`/`out_proj` (Hugging Face CLIP);
 * - separate `to_q`/`to_k`/`to_v`/`to_out.0` (diffusers `Attention`).
 * All projections are applied to [B, L, E] inputs; the heads are split, attended with
 * `scaledDotProductAttention` and merged again.
 */
import { linear, permute, reshape, scaledDotProductAttention, slice, type RandomKey, type Tensor } from "@diva/tensor";
import { applyLinear, linearSpecs, type LinearParams } from "./linear.js";
import type { NormParams } from "./norm.js";
import { initFromSpecs, prefixSpecs, spec, xavierUniformInit, type InitOptions, type ParamSpecs, type SpecsOf } from "../checkpoint-names/specs.js";

/** Masking options of an attention call. */
export interface AttentionCallOptions {
  /** Additive float mask or boolean mask (true = attend), broadcastable to [B, heads, Lq, Lk]. */
  mask?: Tensor | null;
  /** Causal masking (query i sees keys 0..i). */
  isCausal?: boolean;
  /** Score scale (default head_dim^-0.5). */
  scale?: number;
}

function splitHeads(x: Tensor, heads: number): Tensor {
  const [b, l, e] = x.shape as [number, number, number];
  if (e % heads !== 0) throw new Error(`attention: width ${e} is not divisible by ${heads} heads`);
  return permute(reshape(x, [b, l, heads, e / heads]), [0, 2, 1, 3]);
}

/**
 * Attention of already projected q [B, Lq, E], k [B, Lk, E], v [B, Lk, Ev] with `numHeads` heads:
 * split heads, softmax(q k^T * scale + mask) v, merge heads -> [B, Lq, Ev].
 */
export function multiHeadAttention(q: Tensor, k: Tensor, v: Tensor, numHeads: number, options: AttentionCallOptions = {}): Tensor {
  if (q.rank !== 3 || k.rank !== 3 || v.rank !== 3) {
    throw new Error(`multiHeadAttention: expected [B, L, E] inputs, got q [${q.shape}], k [${k.shape}], v [${v.shape}]`);
  }
  const o = scaledDotProductAttention(splitHeads(q, numHeads), splitHeads(k, numHeads), splitHeads(v, numHeads), {
    mask: options.mask ?? null,
    isCausal: options.isCausal ?? false,
    ...(options.scale !== undefined ? { scale: options.scale } : {}),
  });
  const [b, h, l, d] = o.shape as [number, number, number, number];
  return reshape(permute(o, [0, 2, 1, 3]), [b, l, h * d]);
}

// ---------------------------------------------------------------------------------------------------------
// fused in_proj (torch.nn.MultiheadAttention / open_clip)

/** torch.nn.MultiheadAttention / open_clip `Attention` parameters: q, k, v rows stacked in `in_proj_weight`. */
export interface FusedAttentionParams {
  /** [3E, E], rows ordered q, k, v. */
  in_proj_weight: Tensor;
  /** [3E]. */
  in_proj_bias?: Tensor;
  /** Output projection [E, E]. */
  out_proj: LinearParams;
}

/** Size of a multi-head attention layer (torch.nn.MultiheadAttention argument names). */
export interface MultiheadAttentionConfig {
  /** Model width E. */
  embed_dim: number;
  /** Number of heads. */
  num_heads: number;
  /** Biases on the in/out projections (default true). */
  bias?: boolean;
}

/**
 * Self-attention (or cross-attention with `context`) in the fused layout. Self-attention runs one [3E, E]
 * projection and splits it, like open_clip.
 */
export function applyFusedAttention(
  params: FusedAttentionParams,
  x: Tensor,
  config: Pick<MultiheadAttentionConfig, "num_heads">,
  options: AttentionCallOptions & { context?: Tensor } = {},
): Tensor {
  const e = params.in_proj_weight.shape[1]!;
  let q: Tensor, k: Tensor, v: Tensor;
  if (!options.context) {
    const qkv = linear(x, params.in_proj_weight, params.in_proj_bias ?? null);
    [q, k, v] = [0, 1, 2].map((i) => slice(qkv, [null, null, [i * e, (i + 1) * e]]));
  } else {
    const part = (t: Tensor | undefined, i: number) => (t ? slice(t, [[i * e, (i + 1) * e]]) : null);
    q = linear(x, part(params.in_proj_weight, 0)!, part(params.in_proj_bias, 0));
    k = linear(options.context, part(params.in_proj_weight, 1)!, part(params.in_proj_bias, 1));
    v = linear(options.context, part(params.in_proj_weight, 2)!, part(params.in_proj_bias, 2));
  }
  return applyLinear(params.out_proj, multiHeadAttention(q!, k!, v!, config.num_heads, options));
}

/** Specs of the fused layout with torch.nn.MultiheadAttention's init (xavier in_proj, zero biases, default out_proj weight). */
export function fusedAttentionSpecs(config: MultiheadAttentionConfig): SpecsOf<FusedAttentionParams> {
  const e = config.embed_dim;
  const bias = config.bias ?? true;
  const specs: ParamSpecs = { in_proj_weight: spec([3 * e, e], xavierUniformInit(e, 3 * e)) };
  if (bias) specs.in_proj_bias = spec([3 * e], { kind: "zeros" });
  const out = linearSpecs({ in_features: e, out_features: e, bias });
  if (out.bias) out.bias = spec([e], { kind: "zeros" });
  return { ...specs, ...prefixSpecs("out_proj.", out) };
}

/** A freshly initialised fused attention layer. */
export function initFusedAttention(key: RandomKey, config: MultiheadAttentionConfig, options?: InitOptions): FusedAttentionParams {
  return initFromSpecs(key, fusedAttentionSpecs(config), options);
}

// ---------------------------------------------------------------------------------------------------------
// timm qkv + proj

/** timm `Attention` parameters: one `qkv` linear [3E, E] (q, k, v rows) and the `proj` output linear. */
export interface QkvAttentionParams {
  /** Fused q, k, v projection. */
  qkv: LinearParams;
  /** Output projection. */
  proj: LinearParams;
}

/** Self-attention in timm's layout. */
export function applyQkvAttention(params: QkvAttentionParams, x: Tensor, config: Pick<MultiheadAttentionConfig, "num_heads">, options: AttentionCallOptions = {}): Tensor {
  return applyFusedAttention({ in_proj_weight: params.qkv.weight, ...(params.qkv.bias ? { in_proj_bias: params.qkv.bias } : {}), out_proj: params.proj }, x, config, options);
}

/** Specs of timm's attention (timm's init: truncated normal std 0.02 weights, zero biases). */
export function qkvAttentionSpecs(config: MultiheadAttentionConfig & { proj_bias?: boolean }): SpecsOf<QkvAttentionParams> {
  const e = config.embed_dim;
  const w = { kind: "truncNormal", std: 0.02 } as const;
  const specs: ParamSpecs = { "qkv.weight": spec([3 * e, e], w) };
  if (config.bias ?? true) specs["qkv.bias"] = spec([3 * e], { kind: "zeros" });
  specs["proj.weight"] = spec([e, e], w);
  if (config.proj_bias ?? true) specs["proj.bias"] = spec([e], { kind: "zeros" });
  return specs;
}

// ---------------------------------------------------------------------------------------------------------
// separate q/k/v (Hugging Face, diffusers)

/** Hugging Face CLIP attention parameters. */
export interface SeparateAttentionParams {
  /** Query projection. */
  q_proj: LinearParams;
  /** Key projection. */
  k_proj: LinearParams;
  /** Value projection. */
  v_proj: LinearParams;
  /** Output projection. */
  out_proj: LinearParams;
}

/** Self-attention (or cross-attention with `context`) in the Hugging Face layout. */
export function applySeparateAttention(
  params: SeparateAttentionParams,
  x: Tensor,
  config: Pick<MultiheadAttentionConfig, "num_heads">,
  options: AttentionCallOptions & { context?: Tensor } = {},
): Tensor {
  const c = options.context ?? x;
  const o = multiHeadAttention(applyLinear(params.q_proj, x), applyLinear(params.k_proj, c), applyLinear(params.v_proj, c), config.num_heads, options);
  return applyLinear(params.out_proj, o);
}

/** Config of a separate-projection attention layer: `kdim` is the context width for cross-attention. */
export interface SeparateAttentionConfig extends MultiheadAttentionConfig {
  /** Width of keys/values input (default embed_dim). */
  kdim?: number;
}

/** Specs of the Hugging Face layout (torch default Linear init). */
export function separateAttentionSpecs(config: SeparateAttentionConfig): SpecsOf<SeparateAttentionParams> {
  const e = config.embed_dim;
  const kd = config.kdim ?? e;
  const bias = config.bias ?? true;
  return {
    ...prefixSpecs("q_proj.", linearSpecs({ in_features: e, out_features: e, bias })),
    ...prefixSpecs("k_proj.", linearSpecs({ in_features: kd, out_features: e, bias })),
    ...prefixSpecs("v_proj.", linearSpecs({ in_features: kd, out_features: e, bias })),
    ...prefixSpecs("out_proj.", linearSpecs({ in_features: e, out_features: e, bias })),
  };
}

/** A freshly initialised Hugging Face-layout attention layer. */
export function initSeparateAttention(key: RandomKey, config: SeparateAttentionConfig, options?: InitOptions): SeparateAttentionParams {
  return initFromSpecs(key, separateAttentionSpecs(config), options);
}

/**
 * diffusers `Attention` parameters (`to_out` is a ModuleList whose entry 0 is the linear, 1 a dropout): the
 * UNet's self- and cross-attention and the VAE's spatial attention.
 */
export type DiffusersAttentionParams = {
  /** Query projection. */
  to_q: LinearParams;
  /** Key projection. */
  to_k: LinearParams;
  /** Value projection. */
  to_v: LinearParams;
  /** `[out linear]`. */
  to_out: LinearParams[];
  /** GroupNorm of the input (the VAE's mid-block attention). */
  group_norm?: NormParams;
};

/** diffusers `Attention` constructor arguments (the subset that shapes the parameters). */
export interface DiffusersAttentionConfig {
  /** Width of the queries' input. */
  query_dim: number;
  /** Width of the context for cross-attention (default query_dim). */
  cross_attention_dim?: number | null;
  /** Number of heads (default 8). */
  heads?: number;
  /** Width per head (default 64). */
  dim_head?: number;
  /** Bias on q/k/v (default false). */
  bias?: boolean;
  /** Bias on the output projection (default true). */
  out_bias?: boolean;
}

/**
 * Self-attention, or cross-attention to `context` [B, S, contextDim], in the diffusers layout on tokens
 * x [B, L, queryDim]: softmax(q k^T / sqrt(d) + mask) v per head, then to_out.0 (the UNet's attn1 and attn2).
 */
export function applyDiffusersAttention(
  params: DiffusersAttentionParams,
  x: Tensor,
  config: { heads: number },
  options: AttentionCallOptions & { context?: Tensor | null } = {},
): Tensor {
  const c = options.context ?? x;
  const o = multiHeadAttention(applyLinear(params.to_q, x), applyLinear(params.to_k, c), applyLinear(params.to_v, c), config.heads, options);
  return applyLinear(params.to_out[0]!, o);
}

/** Specs of the diffusers layout (torch default Linear init). */
export function diffusersAttentionSpecs(config: DiffusersAttentionConfig): SpecsOf<DiffusersAttentionParams> {
  const inner = (config.heads ?? 8) * (config.dim_head ?? 64);
  const ctx = config.cross_attention_dim ?? config.query_dim;
  const bias = config.bias ?? false;
  return {
    ...prefixSpecs("to_q.", linearSpecs({ in_features: config.query_dim, out_features: inner, bias })),
    ...prefixSpecs("to_k.", linearSpecs({ in_features: ctx, out_features: inner, bias })),
    ...prefixSpecs("to_v.", linearSpecs({ in_features: ctx, out_features: inner, bias })),
    ...prefixSpecs("to_out.0.", linearSpecs({ in_features: inner, out_features: config.query_dim, bias: config.out_bias ?? true })),
  };
}

/** A freshly initialised diffusers-layout attention layer. */
export function initDiffusersAttention(key: RandomKey, config: DiffusersAttentionConfig, options?: InitOptions): DiffusersAttentionParams {
  return initFromSpecs(key, diffusersAttentionSpecs(config), options);
}
