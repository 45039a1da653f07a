import { add, div, permute, reshape, scaledDotProductAttention, transpose, type Tensor } from "@diva/tensor";
import { applyGroupNorm, applyLinear } from "./layers.js";
import type { AttentionBlockParams } from "./params.js";
import type { ShapeBuilder } from "./shapes.js";

/** Everything that fixes a diffusers `Attention` module. */
export interface AttentionSpec {
  queryDim: number;
  /** Width of the key/value input (the query width for self-attention). */
  contextDim: number;
  heads: number;
  dimHead: number;
  /** Bias on to_q/to_k/to_v (false in the UNet's transformer blocks, true in the VAE). */
  qkvBias: boolean;
}

/** Declares to_q, to_k, to_v and to_out.0 of an `Attention`. */
export function attentionShapes(b: ShapeBuilder, s: AttentionSpec): void {
  const inner = s.heads * s.dimHead;
  b.linear("to_q", s.queryDim, inner, s.qkvBias);
  b.linear("to_k", s.contextDim, inner, s.qkvBias);
  b.linear("to_v", s.contextDim, inner, s.qkvBias);
  b.at("to_out").linear("0", inner, s.queryDim, true);
}

/** [B, L, H*D] -> [B, H, L, D] (a view). */
function splitHeads(x: Tensor, heads: number): Tensor {
  const [B, L, E] = x.shape as [number, number, number];
  return permute(reshape(x, [B, L, heads, E / heads]), [0, 2, 1, 3]);
}

/**
 * Multi-head attention of tokens x [B, L, queryDim] over `context` [B, S, contextDim] (x itself when null):
 * softmax(q k^T / sqrt(d)) v per head, then to_out.0. `mask` is an additive bias broadcastable to [B, H, L, S].
 */
export function attentionForward(p: AttentionBlockParams, x: Tensor, context: Tensor | null, heads: number, mask?: Tensor | null): Tensor {
  const ctx = context ?? x;
  const q = splitHeads(applyLinear(p.to_q, x), heads);
  const k = splitHeads(applyLinear(p.to_k, ctx), heads);
  const v = splitHeads(applyLinear(p.to_v, ctx), heads);
  const o = scaledDotProductAttention(q, k, v, { mask: mask ?? null }); // [B, H, L, D]
  const [B, H, L, D] = o.shape as [number, number, number, number];
  return applyLinear(p.to_out[0]!, reshape(permute(o, [0, 2, 1, 3]), [B, L, H * D]));
}

/**
 * The VAE's spatial self-attention (`Attention` with `group_norm`, `residual_connection`, converted from the
 * LDM `AttnBlock`): GroupNorm, attention over the H*W positions, residual, division by `rescale`.
 */
export function spatialSelfAttention(p: AttentionBlockParams, x: Tensor, heads: number, groups: number, eps: number, rescale = 1): Tensor {
  const [B, C, H, W] = x.shape as [number, number, number, number];
  if (!p.group_norm) throw new Error("spatial attention: missing group_norm parameters");
  const tokens = transpose(reshape(applyGroupNorm(p.group_norm, x, groups, eps), [B, C, H * W]), 1, 2); // [B, HW, C]
  const out = attentionForward(p, tokens, null, heads); // [B, HW, C]
  const y = add(permute(reshape(out, [B, H, W, C]), [0, 3, 1, 2]), x);
  return rescale === 1 ? y : div(y, rescale);
}
