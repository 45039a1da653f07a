/**
 * The fields of diffusers' `UNet2DConditionModel` config.json. Every field is optional and takes diffusers'
 * default; fields for features this implementation lacks must keep their default (null/false), or resolving
 * the config fails with an error naming the field.
 */
export interface UNet2DConditionConfig {
  /** Latent resolution the model was trained at (informational; any size divisible by the downsampling runs). */
  sample_size?: number | readonly [number, number] | null;
  /** Channels of the input latents (default 4). */
  in_channels?: number;
  /** Channels of the prediction (default 4). */
  out_channels?: number;
  /** Map the input from [0, 1] to [-1, 1] first (default false). */
  center_input_sample?: boolean;
  /** Timestep features as [cos, sin] instead of [sin, cos] (default true). */
  flip_sin_to_cos?: boolean;
  /** downscale_freq_shift of the sinusoidal timestep features (default 0). */
  freq_shift?: number;
  /** Down block classes: "CrossAttnDownBlock2D" or "DownBlock2D" (default SD's four). */
  down_block_types?: readonly string[];
  /** "UNetMidBlock2DCrossAttn" (default), "UNetMidBlock2D" or null for none. */
  mid_block_type?: string | null;
  /** Up block classes: "CrossAttnUpBlock2D" or "UpBlock2D" (default SD's four). */
  up_block_types?: readonly string[];
  /** Transformer blocks without self-attention, per block or for all (default false). */
  only_cross_attention?: boolean | readonly boolean[];
  /** Channels of each resolution level (default [320, 640, 1280, 1280]). */
  block_out_channels?: readonly number[];
  /** Resnets per down block (up blocks get one more), per block or for all (default 2). */
  layers_per_block?: number | readonly number[];
  /** Padding of the stride-2 downsampling conv (default 1). */
  downsample_padding?: number;
  /** Output scale of the mid block resnets (default 1). */
  mid_block_scale_factor?: number;
  /** Dropout probability (ignored: inference and DIVA training run without dropout). */
  dropout?: number;
  /** Activation of the resnets and time embedding (default "silu"). */
  act_fn?: string;
  /** GroupNorm groups (default 32; must be a number). */
  norm_num_groups?: number | null;
  /** GroupNorm epsilon (default 1e-5). */
  norm_eps?: number;
  /** Width of the condition tokens, per block or for all (default 1280; SD-2.1: 1024). */
  cross_attention_dim?: number | readonly number[];
  /** Transformer blocks per Transformer2DModel, per block or per layer (default 1). */
  transformer_layers_per_block?: number | readonly (number | readonly number[])[];
  /** Transformer layers of the up blocks (default: the reversed down-block values). */
  reverse_transformer_layers_per_block?: readonly (number | readonly number[])[] | null;
  /** Projection of the condition before the blocks (not supported: must be null). */
  encoder_hid_dim?: number | null;
  /** Kind of that projection (not supported: must be null). */
  encoder_hid_dim_type?: string | null;
  /** diffusers quirk: the NUMBER of heads per block when num_attention_heads is null (SD 2.x: [5, 10, 20, 20]). */
  attention_head_dim?: number | readonly number[];
  /** Heads per block; when null, attention_head_dim gives them (default null). */
  num_attention_heads?: number | readonly number[] | null;
  /** Two cross-attention branches (not supported: must be false). */
  dual_cross_attention?: boolean;
  /** proj_in/proj_out of the transformers are Linear (true) or 1x1 Conv2d (default false). */
  use_linear_projection?: boolean;
  /** Class-conditioning embedding (not supported: must be null). */
  class_embed_type?: string | null;
  /** Added embeddings, as in SDXL (not supported: must be null). */
  addition_embed_type?: string | null;
  /** Width of the added time embedding (ignored; belongs to addition_embed_type). */
  addition_time_embed_dim?: number | null;
  /** Number of class embeddings (not supported: must be null). */
  num_class_embeds?: number | null;
  /** Compute attention in float32 under fp16 (ignored: attention runs in the tensors' dtype). */
  upcast_attention?: boolean | null;
  /** How resnets take the time embedding: "default" (add) or "scale_shift" (default "default"). */
  resnet_time_scale_shift?: string;
  /** Skip the activation on the time embedding in resnets (ignored; default false). */
  resnet_skip_time_act?: boolean;
  /** Output scale of the resnets (ignored; default 1). */
  resnet_out_scale_factor?: number;
  /** Timestep features (only "positional", the sinusoidal default, is supported). */
  time_embedding_type?: string;
  /** Width of the time embedding (default 4 x block_out_channels[0]). */
  time_embedding_dim?: number | null;
  /** Activation applied to the time embedding before the blocks, or null (default null). */
  time_embedding_act_fn?: string | null;
  /** Activation after the time embedding's second linear, or null (default null). */
  timestep_post_act?: string | null;
  /** Timestep condition projection, as in LCM (not supported: must be null). */
  time_cond_proj_dim?: number | null;
  /** Kernel size of conv_in (default 3). */
  conv_in_kernel?: number;
  /** Kernel size of conv_out (default 3). */
  conv_out_kernel?: number;
  /** Input width of a projection class embedding (ignored; belongs to class_embed_type). */
  projection_class_embeddings_input_dim?: number | null;
  /** Attention variant (only "default"; gated GLIGEN attention is not supported). */
  attention_type?: string;
  /** Concatenate class and time embeddings (not supported: must be false). */
  class_embeddings_concat?: boolean;
  /** Mid block without self-attention (ignored; default null). */
  mid_block_only_cross_attention?: boolean | null;
  /** Normalisation of the condition inside attention (ignored; default null). */
  cross_attention_norm?: string | null;
  /** Heads of the added text embedding (ignored; belongs to addition_embed_type). */
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
