import type { DiffusersAttentionParams } from "../../layers/attention.js";
import type { Conv2dParams } from "../../layers/conv.js";
import type { LinearParams } from "../../layers/linear.js";
import type { FeedForwardParams } from "../../layers/mlp.js";
import type { NormParams } from "../../layers/norm.js";

/** diffusers' `ResnetBlock2D`. */
export type ResnetBlock2DParams = {
  /** GroupNorm before the first conv. */
  norm1: NormParams;
  /** First 3x3 conv. */
  conv1: Conv2dParams;
  /** Absent in blocks without a time embedding (the VAE). */
  time_emb_proj?: LinearParams;
  /** GroupNorm before the second conv. */
  norm2: NormParams;
  /** Second 3x3 conv. */
  conv2: Conv2dParams;
  /** 1x1 projection of the input, present when the channel count changes. */
  conv_shortcut?: Conv2dParams;
};

/** diffusers' `BasicTransformerBlock` (layer-norm variant). */
export type BasicTransformerBlockParams = {
  /** LayerNorm before self-attention. */
  norm1: NormParams;
  /** Self-attention. */
  attn1: DiffusersAttentionParams;
  /** LayerNorm before cross-attention. */
  norm2?: NormParams;
  /** Cross-attention to the condition. */
  attn2?: DiffusersAttentionParams;
  /** LayerNorm before the feed-forward. */
  norm3: NormParams;
  /** GEGLU feed-forward (`net.0.proj`, `net.2`). */
  ff: FeedForwardParams;
};

/** diffusers' `Transformer2DModel` on continuous inputs; proj_in/proj_out are Linear or 1x1 Conv2d. */
export type Transformer2DModelParams = {
  /** GroupNorm of the input. */
  norm: NormParams;
  /** Projection into the transformer width. */
  proj_in: LinearParams | Conv2dParams;
  /** The transformer blocks. */
  transformer_blocks: BasicTransformerBlockParams[];
  /** Projection back to the channel count. */
  proj_out: LinearParams | Conv2dParams;
};

/** `Downsample2D` / `Upsample2D` with a convolution. */
export type ConvSamplerParams = {
  /** The 3x3 conv (stride 2 when downsampling). */
  conv: Conv2dParams;
};
