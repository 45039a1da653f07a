import type { Tensor } from "@diva/tensor";

/** torch.nn.Linear: weight [out, in], optional bias [out]. */
export type LinearParams = { weight: Tensor; bias?: Tensor };

/** torch.nn.Conv2d: weight [out, in / groups, kh, kw], optional bias [out]. */
export type Conv2dParams = { weight: Tensor; bias?: Tensor };

/** GroupNorm / LayerNorm affine parameters, each [channels]. */
export type NormParams = { weight: Tensor; bias: Tensor };

/** diffusers' `ResnetBlock2D`. */
export type ResnetBlock2DParams = {
  norm1: NormParams;
  conv1: Conv2dParams;
  /** Absent in blocks without a time embedding (the VAE). */
  time_emb_proj?: LinearParams;
  norm2: NormParams;
  conv2: Conv2dParams;
  /** 1x1 projection of the input, present when the channel count changes. */
  conv_shortcut?: Conv2dParams;
};

/** diffusers' `Attention` (to_out is `[Linear, Dropout]`, so only index 0 holds parameters). */
export type AttentionBlockParams = {
  to_q: LinearParams;
  to_k: LinearParams;
  to_v: LinearParams;
  to_out: LinearParams[];
  /** The VAE mid-block attention normalises its input with this GroupNorm. */
  group_norm?: NormParams;
};

/** `FeedForward` with GEGLU: `net.0.proj` (to 2 x inner), `net.1` dropout, `net.2` (back to dim). */
export type GegluFeedForwardParams = { net: { 0: { proj: LinearParams }; 2: LinearParams } };

/** diffusers' `BasicTransformerBlock` (layer-norm variant). */
export type BasicTransformerBlockParams = {
  norm1: NormParams;
  attn1: AttentionBlockParams;
  norm2?: NormParams;
  attn2?: AttentionBlockParams;
  norm3: NormParams;
  ff: GegluFeedForwardParams;
};

/** diffusers' `Transformer2DModel` on continuous inputs; proj_in/proj_out are Linear or 1x1 Conv2d. */
export type Transformer2DModelParams = {
  norm: NormParams;
  proj_in: LinearParams | Conv2dParams;
  transformer_blocks: BasicTransformerBlockParams[];
  proj_out: LinearParams | Conv2dParams;
};

/** `Downsample2D` / `Upsample2D` with a convolution. */
export type ConvSamplerParams = { conv: Conv2dParams };
