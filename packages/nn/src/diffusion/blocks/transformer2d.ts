import { add, permute, reshape, transpose, type Tensor } from "@diva/tensor";
import { applyDiffusersAttention, diffusersAttentionSpecs } from "../../layers/attention.js";
import { applyTokenProjection } from "../../layers/linear.js";
import { applyFeedForward, feedForwardSpecs } from "../../layers/mlp.js";
import { applyGroupNorm, applyLayerNorm } from "../../layers/norm.js";
import type { Transformer2DModelParams, BasicTransformerBlockParams } from "./params.js";
import type { ShapeBuilder } from "./specs.js";

/** Everything that fixes a `Transformer2DModel` (continuous input, layer norm, GEGLU feed-forward). */
export interface Transformer2DSpec {
  /** Input and output channels. */
  channels: number;
  heads: number;
  /** Channels per head; inner width = heads * headDim. */
  headDim: number;
  /** Number of `BasicTransformerBlock`s. */
  layers: number;
  /** Width of encoder_hidden_states. */
  crossAttentionDim: number;
  /** Groups of the input GroupNorm (eps 1e-6). */
  groups: number;
  /** proj_in/proj_out are Linear (SD 2.x) rather than 1x1 Conv2d (SD 1.x). */
  linearProjection: boolean;
  /** attn1 attends to encoder_hidden_states too. */
  onlyCrossAttention: boolean;
}

const GROUP_NORM_EPS = 1e-6;
const LAYER_NORM_EPS = 1e-5;

/** Declares a `Transformer2DModel`'s parameters. */
export function transformer2dShapes(b: ShapeBuilder, s: Transformer2DSpec): void {
  const inner = s.heads * s.headDim;
  b.norm("norm", s.channels);
  if (s.linearProjection) b.linear("proj_in", s.channels, inner);
  else b.conv("proj_in", s.channels, inner, 1);
  for (let i = 0; i < s.layers; i++) {
    const t = b.at("transformer_blocks").at(i);
    const attention = (contextDim: number) => diffusersAttentionSpecs({ query_dim: inner, cross_attention_dim: contextDim, heads: s.heads, dim_head: s.headDim });
    t.norm("norm1", inner);
    t.layer("attn1", attention(s.onlyCrossAttention ? s.crossAttentionDim : inner));
    t.norm("norm2", inner);
    t.layer("attn2", attention(s.crossAttentionDim));
    t.norm("norm3", inner);
    t.layer("ff", feedForwardSpecs({ dim: inner }));
  }
  if (s.linearProjection) b.linear("proj_out", inner, s.channels);
  else b.conv("proj_out", inner, s.channels, 1);
}

/** `BasicTransformerBlock`: pre-norm self-attention, cross-attention and GEGLU feed-forward, each residual. */
function transformerBlock(p: BasicTransformerBlockParams, x: Tensor, context: Tensor, s: Transformer2DSpec, contextMask: Tensor | null): Tensor {
  const ln = { eps: LAYER_NORM_EPS };
  const heads = { heads: s.heads };
  let h = add(applyDiffusersAttention(p.attn1, applyLayerNorm(p.norm1, x, ln), heads, { context: s.onlyCrossAttention ? context : null }), x);
  if (p.attn2 && p.norm2) h = add(applyDiffusersAttention(p.attn2, applyLayerNorm(p.norm2, h, ln), heads, { context, mask: contextMask }), h);
  return add(applyFeedForward(p.ff, applyLayerNorm(p.norm3, h, ln)), h);
}

/**
 * `Transformer2DModel.forward` on [B, C, H, W]: GroupNorm, proj_in over the H*W tokens, the transformer blocks
 * with cross-attention to `context` [B, S, crossAttentionDim], proj_out, plus the input. A 1x1-conv projection
 * is applied as the equivalent per-token linear map. `contextMask` is an additive bias over the S context tokens.
 */
export function transformer2dForward(p: Transformer2DModelParams, x: Tensor, context: Tensor, s: Transformer2DSpec, contextMask: Tensor | null = null): Tensor {
  const [B, C, H, W] = x.shape as [number, number, number, number];
  const tokens = transpose(reshape(applyGroupNorm(p.norm, x, { num_groups: s.groups, eps: GROUP_NORM_EPS }), [B, C, H * W]), 1, 2);
  let h = applyTokenProjection(p.proj_in, tokens); // [B, HW, inner]
  for (const block of p.transformer_blocks) h = transformerBlock(block, h, context, s, contextMask);
  const out = applyTokenProjection(p.proj_out, h); // [B, HW, C]
  return add(permute(reshape(out, [B, H, W, C]), [0, 3, 1, 2]), x);
}
