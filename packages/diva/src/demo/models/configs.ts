import type { OpenClipConfig } from "@diva/nn";

/** Image side of the synthetic world and of the demo models. */
export const DEMO_IMAGE_SIZE = 32;
/** Text context length of the tiny CLIP (also the length of the diffusion model's text condition). */
export const DEMO_CONTEXT_LENGTH = 24;

/** The tiny CLIP: a ViT at 32x32 with 8x8 patches (16 patches + class token) and a small text tower. */
export function tinyClipConfig(vocabSize: number, patchSize = 8): OpenClipConfig {
  return {
    embed_dim: 64,
    quick_gelu: true,
    vision_cfg: { image_size: DEMO_IMAGE_SIZE, patch_size: patchSize, width: 64, layers: 4, head_width: 16, mlp_ratio: 4 },
    text_cfg: { context_length: DEMO_CONTEXT_LENGTH, vocab_size: vocabSize, width: 64, heads: 4, layers: 3 },
  };
}

import type { AutoencoderKLConfig, UNet2DConditionConfig } from "@diva/nn";

/**
 * The tiny VAE: 32x32 RGB <-> 16 x 8 x 8 latents (two downsamplings), SD's block structure. 16 latent channels
 * (as the SD3 and FLUX VAEs use, against SD 2's 4) keep the world's few-pixel details (dots, letters, arrow heads)
 * while the UNet still works at 8x8.
 */
export const TINY_VAE_CONFIG: AutoencoderKLConfig = {
  in_channels: 3,
  out_channels: 3,
  down_block_types: ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
  up_block_types: ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"],
  block_out_channels: [16, 32, 64],
  layers_per_block: 1,
  act_fn: "silu",
  latent_channels: 16,
  norm_num_groups: 8,
  sample_size: DEMO_IMAGE_SIZE,
  // placeholder: build-models measures 1 / std of the trained VAE's posterior means (measureScalingFactor) and
  // writes that into the shipped file's config, which is what every user of the VAE reads
  scaling_factor: 1,
};

/**
 * The tiny UNet: SD-2.1's block structure (cross-attention down and up blocks, a cross-attention mid block,
 * linear projections, GEGLU feed-forward, `attention_head_dim` as head counts) on 16 x 8 x 8 latents, conditioned on
 * the tiny CLIP's 64-dim text tokens.
 */
export const TINY_UNET_CONFIG: UNet2DConditionConfig = {
  sample_size: 8,
  in_channels: 16,
  out_channels: 16,
  flip_sin_to_cos: true,
  freq_shift: 0,
  down_block_types: ["CrossAttnDownBlock2D", "DownBlock2D"],
  mid_block_type: "UNetMidBlock2DCrossAttn",
  up_block_types: ["UpBlock2D", "CrossAttnUpBlock2D"],
  block_out_channels: [32, 64],
  layers_per_block: 1,
  act_fn: "silu",
  norm_num_groups: 16,
  norm_eps: 1e-5,
  cross_attention_dim: 64,
  attention_head_dim: [2, 4],
  use_linear_projection: true,
};

/** DDPM training schedule of SD (scaled_linear 0.00085..0.012, 1000 steps). */
export const DEMO_SCHEDULER = { num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: "scaled_linear" as const };
