/** Tiny diffusers configurations shared by tests (a cross-attention UNet and a two-level VAE). */
import type { AutoencoderKLConfig, UNet2DConditionConfig } from "../../src/index.js";

/** A two-level UNet: cross-attention down and up blocks, linear projections, 8-dim text condition. */
export const TINY_UNET: UNet2DConditionConfig = {
  block_out_channels: [8, 16],
  down_block_types: ["CrossAttnDownBlock2D", "DownBlock2D"],
  up_block_types: ["UpBlock2D", "CrossAttnUpBlock2D"],
  layers_per_block: 1,
  attention_head_dim: [2, 4],
  cross_attention_dim: 8,
  norm_num_groups: 4,
  use_linear_projection: true,
};

/** A two-level VAE with 8 channels. */
export const TINY_VAE: AutoencoderKLConfig = { block_out_channels: [8, 8], norm_num_groups: 4, layers_per_block: 1 };
