/**
 * The fields of diffusers' `UNet2DConditionModel` config.json. Every field is optional and takes diffusers'
 * default; fields for features this implementation lacks must keep their default (null/false), or resolving
 * the config fails with an error naming the field.
 */
export interface UNet2DConditionConfig {
  sample_size?: number | readonly [number, number] | null;
  in_channels?: number;
  out_channels?: number;
  center_input_sample?: boolean;
  flip_sin_to_cos?: boolean;
  freq_shift?: number;
  down_block_types?: readonly string[];
  mid_block_type?: string | null;
  up_block_types?: readonly string[];
  only_cross_attention?: boolean | readonly boolean[];
  block_out_channels?: readonly number[];
  layers_per_block?: number | readonly number[];
  downsample_padding?: number;
  mid_block_scale_factor?: number;
  dropout?: number;
  act_fn?: string;
  norm_num_groups?: number | null;
  norm_eps?: number;
  cross_attention_dim?: number | readonly number[];
  transformer_layers_per_block?: number | readonly (number | readonly number[])[];
  reverse_transformer_layers_per_block?: readonly (number | readonly number[])[] | null;
  encoder_hid_dim?: number | null;
  encoder_hid_dim_type?: string | null;
  /** diffusers quirk: the NUMBER of heads per block when num_attention_heads is null (SD 2.x: [5, 10, 20, 20]). */
  attention_head_dim?: number | readonly number[];
  num_attention_heads?: number | readonly number[] | null;
  dual_cross_attention?: boolean;
  use_linear_projection?: boolean;
  class_embed_type?: string | null;
  addition_embed_type?: string | null;
  addition_time_embed_dim?: number | null;
  num_class_embeds?: number | null;
  upcast_attention?: boolean | null;
  resnet_time_scale_shift?: string;
  resnet_skip_time_act?: boolean;
  resnet_out_scale_factor?: number;
  time_embedding_type?: string;
  time_embedding_dim?: number | null;
  time_embedding_act_fn?: string | null;
  timestep_post_act?: string | null;
  time_cond_proj_dim?: number | null;
  conv_in_kernel?: number;
  conv_out_kernel?: number;
  projection_class_embeddings_input_dim?: number | null;
  attention_type?: string;
  class_embeddings_concat?: boolean;
  mid_block_only_cross_attention?: boolean | null;
  cross_attention_norm?: string | null;
  addition_embed_type_num_heads?: number;
}

/** The SD-2.1-base UNet (stabilityai/stable-diffusion-2-1-base `unet/config.json`). */
export const SD21_BASE_UNET_CONFIG: UNet2DConditionConfig = {
  sample_size: 64,
  in_channels: 4,
  out_channels: 4,
  center_input_sample: false,
  flip_sin_to_cos: true,
  freq_shift: 0,
  down_block_types: ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
  mid_block_type: "UNetMidBlock2DCrossAttn",
  up_block_types: ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
  only_cross_attention: false,
  block_out_channels: [320, 640, 1280, 1280],
  layers_per_block: 2,
  downsample_padding: 1,
  mid_block_scale_factor: 1,
  act_fn: "silu",
  norm_num_groups: 32,
  norm_eps: 1e-5,
  cross_attention_dim: 1024,
  attention_head_dim: [5, 10, 20, 20],
  dual_cross_attention: false,
  use_linear_projection: true,
  num_class_embeds: null,
  upcast_attention: false,
  resnet_time_scale_shift: "default",
};
