import type { Conv2dParams, LinearParams, NormParams, ResnetBlock2DParams, ConvSamplerParams, Transformer2DModelParams } from "../blocks/params.js";

/** A down block: resnets, one Transformer2DModel per resnet in cross-attention blocks, an optional downsampler. */
export type UNetDownBlockParams = {
  resnets: ResnetBlock2DParams[];
  attentions?: Transformer2DModelParams[];
  downsamplers?: ConvSamplerParams[];
};

/** An up block: resnets over the concatenated skips, optional attentions and upsampler. */
export type UNetUpBlockParams = {
  resnets: ResnetBlock2DParams[];
  attentions?: Transformer2DModelParams[];
  upsamplers?: ConvSamplerParams[];
};

/** The mid block: resnet, (attention, resnet). */
export type UNetMidBlockParams = {
  resnets: ResnetBlock2DParams[];
  attentions?: Transformer2DModelParams[];
};

/** UNet2DConditionModel parameters under their diffusers state_dict names (`down_blocks.0.resnets.1.conv1.weight`). */
export type UNetParams = {
  conv_in: Conv2dParams;
  time_embedding: { linear_1: LinearParams; linear_2: LinearParams };
  down_blocks: UNetDownBlockParams[];
  mid_block?: UNetMidBlockParams;
  up_blocks: UNetUpBlockParams[];
  conv_norm_out?: NormParams;
  conv_out: Conv2dParams;
};
