import type { AttentionBlockParams, Conv2dParams, NormParams, ResnetBlock2DParams, ConvSamplerParams } from "../blocks/params.js";

/** The VAE mid block: resnet, single-head spatial attention, resnet. */
export type VAEMidBlockParams = { attentions?: AttentionBlockParams[]; resnets: ResnetBlock2DParams[] };

/** The encoder: conv_in, DownEncoderBlock2Ds, mid block, norm, conv_out (to 2 x latent channels). */
export type VAEEncoderParams = {
  conv_in: Conv2dParams;
  down_blocks: { resnets: ResnetBlock2DParams[]; downsamplers?: ConvSamplerParams[] }[];
  mid_block: VAEMidBlockParams;
  conv_norm_out: NormParams;
  conv_out: Conv2dParams;
};

/** The decoder: conv_in, mid block, UpDecoderBlock2Ds, norm, conv_out. */
export type VAEDecoderParams = {
  conv_in: Conv2dParams;
  up_blocks: { resnets: ResnetBlock2DParams[]; upsamplers?: ConvSamplerParams[] }[];
  mid_block: VAEMidBlockParams;
  conv_norm_out: NormParams;
  conv_out: Conv2dParams;
};

/** AutoencoderKL parameters under their diffusers state_dict names (`encoder.down_blocks.0.resnets.0.conv1.weight`). */
export type VAEParams = {
  encoder: VAEEncoderParams;
  decoder: VAEDecoderParams;
  quant_conv?: Conv2dParams;
  post_quant_conv?: Conv2dParams;
};
