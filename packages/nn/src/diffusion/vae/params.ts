import type { DiffusersAttentionParams } from "../../layers/attention.js";
import type { Conv2dParams } from "../../layers/conv.js";
import type { NormParams } from "../../layers/norm.js";
import type { ResnetBlock2DParams, ConvSamplerParams } from "../blocks/params.js";

/** The VAE mid block: resnet, single-head spatial attention, resnet. */
export type VAEMidBlockParams = {
  /** The attention between the resnets (absent when mid_block_add_attention is false). */
  attentions?: DiffusersAttentionParams[];
  /** The two resnets. */
  resnets: ResnetBlock2DParams[];
};

/** The encoder: conv_in, DownEncoderBlock2Ds, mid block, norm, conv_out (to 2 x latent channels). */
export type VAEEncoderParams = {
  /** Input conv from image channels. */
  conv_in: Conv2dParams;
  /** The DownEncoderBlock2Ds. */
  down_blocks: {
    /** The block's resnets. */
    resnets: ResnetBlock2DParams[];
    /** The stride-2 conv (all blocks but the last). */
    downsamplers?: ConvSamplerParams[];
  }[];
  /** The mid block. */
  mid_block: VAEMidBlockParams;
  /** Output GroupNorm. */
  conv_norm_out: NormParams;
  /** Output conv to 2 x latent channels (mean and log-variance). */
  conv_out: Conv2dParams;
};

/** The decoder: conv_in, mid block, UpDecoderBlock2Ds, norm, conv_out. */
export type VAEDecoderParams = {
  /** Input conv from latent channels. */
  conv_in: Conv2dParams;
  /** The UpDecoderBlock2Ds. */
  up_blocks: {
    /** The block's resnets. */
    resnets: ResnetBlock2DParams[];
    /** The conv after nearest 2x upsampling (all blocks but the last). */
    upsamplers?: ConvSamplerParams[];
  }[];
  /** The mid block. */
  mid_block: VAEMidBlockParams;
  /** Output GroupNorm. */
  conv_norm_out: NormParams;
  /** Output conv to image channels. */
  conv_out: Conv2dParams;
};

/** AutoencoderKL parameters under their diffusers state_dict names (`encoder.down_blocks.0.resnets.0.conv1.weight`). */
export type VAEParams = {
  /** The encoder. */
  encoder: VAEEncoderParams;
  /** The decoder. */
  decoder: VAEDecoderParams;
  /** 1x1 conv on the encoder's moments (use_quant_conv). */
  quant_conv?: Conv2dParams;
  /** 1x1 conv on the latents before the decoder (use_post_quant_conv). */
  post_quant_conv?: Conv2dParams;
};
