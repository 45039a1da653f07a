import { add, div, permute, reshape, transpose, type Tensor } from "@diva/tensor";
import { applyDiffusersAttention, type DiffusersAttentionParams } from "../../layers/attention.js";
import { applyGroupNorm } from "../../layers/norm.js";

/**
 * The VAE's spatial self-attention (`Attention` with `group_norm`, `residual_connection`, converted from the
 * LDM `AttnBlock`): GroupNorm, attention over the H*W positions, residual, division by `rescale`.
 */
export function spatialSelfAttention(p: DiffusersAttentionParams, x: Tensor, heads: number, groups: number, eps: number, rescale = 1): Tensor {
  const [B, C, H, W] = x.shape as [number, number, number, number];
  if (!p.group_norm) throw new Error("spatial attention: missing group_norm parameters");
  const tokens = transpose(reshape(applyGroupNorm(p.group_norm, x, { num_groups: groups, eps }), [B, C, H * W]), 1, 2); // [B, HW, C]
  const out = applyDiffusersAttention(p, tokens, { heads }); // [B, HW, C]
  const y = add(permute(reshape(out, [B, H, W, C]), [0, 3, 1, 2]), x);
  return rescale === 1 ? y : div(y, rescale);
}
