import type { Conv2dParams } from "../../layers/conv.js";
import type { LinearParams } from "../../layers/linear.js";
import type { NormParams } from "../../layers/norm.js";
import type { ResnetBlock2DParams, ConvSamplerParams, Transformer2DModelParams } from "../blocks/params.js";

/** A down block: resnets, one Transformer2DModel per resnet in cross-attention blocks, an optional downsampler. */
export type UNetDownBlockParams = {
  /** The resnets. */
  resnets: ResnetBlock2DParams[];
  /** One transformer per resnet (cross-attention blocks only). */
  attentions?: Transformer2DModelParams[];
  /** The stride-2 conv (all blocks but the last). */
  downsamplers?: ConvSamplerParams[];
};

/** An up block: resnets over the concatenated skips, optional attentions and upsampler. */
export type UNetUpBlockParams = {
  /** The resnets. */
  resnets: ResnetBlock2DParams[];
  /** One transformer per resnet (cross-attention blocks only). */
  attentions?: Transformer2DModelParams[];
  /** The conv after nearest 2x upsampling (all blocks but the last). */
  upsamplers?: ConvSamplerParams[];
};

/** The mid block: resnet, (attention, resnet). */
export type UNetMidBlockParams = {
  /** One or two resnets. */
  resnets: ResnetBlock2DParams[];
  /** The transformer between the two resnets (cross-attention mid block). */
  attentions?: Transformer2DModelParams[];
};

/** UNet2DConditionModel parameters under their diffusers state_dict names (`down_blocks.0.resnets.1.conv1.weight`). */
export type UNetParams = {
  /** Input conv from latent channels to block_out_channels[0]. */
  conv_in: Conv2dParams;
  /** The TimestepEmbedding MLP. */
  time_embedding: {
    /** First linear, sinusoidal features to the embedding width. */
    linear_1: LinearParams;
    /** Second linear. */
    linear_2: LinearParams;
  };
  /** The down blocks. */
  down_blocks: UNetDownBlockParams[];
  /** The mid block, if the config has one. */
  mid_block?: UNetMidBlockParams;
  /** The up blocks. */
  up_blocks: UNetUpBlockParams[];
  /** Output GroupNorm (absent when norm_num_groups is null). */
  conv_norm_out?: NormParams;
  /** Output conv to out_channels. */
  conv_out: Conv2dParams;
};
