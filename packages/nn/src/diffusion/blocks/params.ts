import type { Tensor } from "@diva/tensor";

/** torch.nn.Linear: weight [out, in], optional bias [out]. */
export type LinearParams = { weight: Tensor; bias?: Tensor };

/** torch.nn.Conv2d: weight [out, in / groups, kh, kw], optional bias [out]. */
export type Conv2dParams = { weight: Tensor; bias?: Tensor };

/** GroupNorm / LayerNorm affine parameters, each [channels]. */
export type NormParams = { weight: Tensor; bias: Tensor };

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

/** diffusers' `Attention` (to_out is `[Linear, Dropout]`, so only index 0 holds parameters). */
export type AttentionBlockParams = {
  /** Query projection. */
  to_q: LinearParams;
  /** Key projection. */
  to_k: LinearParams;
  /** Value projection. */
  to_v: LinearParams;
  /** Output projection at index 0. */
  to_out: LinearParams[];
  /** The VAE mid-block attention normalises its input with this GroupNorm. */
  group_norm?: NormParams;
};

/** `FeedForward` with GEGLU: `net.0.proj` (to 2 x inner), `net.1` dropout, `net.2` (back to dim). */
export type GegluFeedForwardParams = {
  /** The `net` ModuleList. */
  net: {
    /** GEGLU input layer. */
    0: {
      /** Projection to 2 x inner (value and gate). */
      proj: LinearParams;
    };
    /** Output projection back to dim. */
    2: LinearParams;
  };
};

/** diffusers' `BasicTransformerBlock` (layer-norm variant). */
export type BasicTransformerBlockParams = {
  /** LayerNorm before self-attention. */
  norm1: NormParams;
  /** Self-attention. */
  attn1: AttentionBlockParams;
  /** LayerNorm before cross-attention. */
  norm2?: NormParams;
  /** Cross-attention to the condition. */
  attn2?: AttentionBlockParams;
  /** LayerNorm before the feed-forward. */
  norm3: NormParams;
  /** GEGLU feed-forward. */
  ff: GegluFeedForwardParams;
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
