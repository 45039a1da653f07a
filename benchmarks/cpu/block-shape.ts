/**
 * The transformer-block case of the CPU benchmark: one ViT-B/16-sized pre-LN block (width 768, 12 heads,
 * MLP 3072, exact GELU) at batch 8 and 197 tokens, forward and backward with loss = sum of the outputs;
 * gradients for every block parameter and the input. Every contender builds this block from the same
 * host arrays.
 */

/** Sizes of the block case. */
export interface BlockShape {
  batch: number;
  tokens: number;
  width: number;
  heads: number;
  mlp: number;
}

/** ViT-B/16 at batch 8. */
export const VIT_B16_BLOCK: BlockShape = { batch: 8, tokens: 197, width: 768, heads: 12, mlp: 3072 };

/** Parameter names and shapes (torch.nn.Linear layout: weight [out, in]). */
export function blockParamShapes(s: BlockShape): Record<string, number[]> {
  const e = s.width;
  return {
    ln1_w: [e], ln1_b: [e],
    qkv_w: [3 * e, e], qkv_b: [3 * e],
    proj_w: [e, e], proj_b: [e],
    ln2_w: [e], ln2_b: [e],
    fc1_w: [s.mlp, e], fc1_b: [s.mlp],
    fc2_w: [e, s.mlp], fc2_b: [e],
  };
}

/** Matmul FLOPs of one forward + backward step (backward counted as twice the forward matmuls). */
export function blockFlops(s: BlockShape): number {
  const t = s.batch * s.tokens, e = s.width;
  const linears = 2 * t * e * (3 * e + e + 2 * s.mlp);
  const attention = 4 * s.batch * s.tokens * s.tokens * e;
  return 3 * (linears + attention);
}
