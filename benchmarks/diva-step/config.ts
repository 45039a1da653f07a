/**
 * The reference configuration of a DIVA training step (DESIGN.md section 8), as the library's configs and as
 * the plain JSON that `torch_step.py` builds the same models from (one source for both sides).
 */
import type { ClipVisionTowerConfig, AutoencoderKLConfig, DDPMSchedulerConfig, UNet2DConditionConfig } from "@diva/nn";
import { SD21_BASE_SCHEDULER_CONFIG } from "@diva/nn";
import type { ConditionSpec } from "@diva/core";

/** Images per step. */
export const BATCH = 8;
/** CLIP and VAE input resolution. */
export const IMAGE_SIZE = 64;
/** Tokens of the constant SD text embedding whose mean joins the condition. */
export const TEXT_TOKENS = 77;

/** open_clip ViT: image 64, patch 8 (64 patches + class token), width 256, 6 layers, 8 heads, MLP 4, QuickGELU, output 256. */
export const CLIP_VISION: ClipVisionTowerConfig = {
  embed_dim: 256,
  quick_gelu: true,
  vision_cfg: { image_size: IMAGE_SIZE, patch_size: 8, width: 256, layers: 6, head_width: 32, mlp_ratio: 4 },
};

/** Class token + all 64 patch tokens, projected 256 -> 256, plus the mean of the constant text embedding. */
export const CONDITION: ConditionSpec = { kind: "clsAllPatches", text: "mean" };

/** AutoencoderKL: (32, 64, 128), one resnet per block, 4 latent channels (16x16 latents), 32 groups. */
export const VAE: AutoencoderKLConfig = {
  in_channels: 3,
  out_channels: 3,
  down_block_types: ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
  up_block_types: ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"],
  block_out_channels: [32, 64, 128],
  layers_per_block: 1,
  act_fn: "silu",
  latent_channels: 4,
  norm_num_groups: 32,
  sample_size: IMAGE_SIZE,
  scaling_factor: 0.18215,
};

/** UNet2DConditionModel: (64, 128, 256), one layer per block, heads (2, 4, 8), cross-attention 256, linear projections. */
export const UNET: UNet2DConditionConfig = {
  sample_size: IMAGE_SIZE / 4,
  in_channels: 4,
  out_channels: 4,
  flip_sin_to_cos: true,
  freq_shift: 0,
  down_block_types: ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
  mid_block_type: "UNetMidBlock2DCrossAttn",
  up_block_types: ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
  block_out_channels: [64, 128, 256],
  layers_per_block: 1,
  downsample_padding: 1,
  act_fn: "silu",
  norm_num_groups: 32,
  norm_eps: 1e-5,
  cross_attention_dim: 256,
  attention_head_dim: [2, 4, 8],
  use_linear_projection: true,
};

/** SD's training noise schedule (scaled_linear 0.00085 .. 0.012, 1000 steps). */
export const SCHEDULER: DDPMSchedulerConfig = SD21_BASE_SCHEDULER_CONFIG;

/** The optimizer step: SGD with momentum, gradient clipping, one noise draw, one micro-batch. */
export const RECIPE = { lr: 1e-4, momentum: 0.9, clipNorm: 1.0, draws: 1, warmupSteps: 0, totalSteps: 1000 } as const;

/** Everything `torch_step.py` needs to build the same step (plain JSON). */
export function torchSpec(): Record<string, unknown> {
  const v = CLIP_VISION.vision_cfg;
  return {
    batch: BATCH,
    image_size: IMAGE_SIZE,
    text_tokens: TEXT_TOKENS,
    clip: {
      patch: v.patch_size,
      width: v.width,
      layers: v.layers,
      heads: v.width! / v.head_width!,
      mlp_ratio: v.mlp_ratio,
      output_dim: CLIP_VISION.embed_dim,
      quick_gelu: CLIP_VISION.quick_gelu,
    },
    condition_dim: UNET.cross_attention_dim,
    vae: {
      block_out_channels: VAE.block_out_channels,
      layers_per_block: VAE.layers_per_block,
      latent_channels: VAE.latent_channels,
      groups: VAE.norm_num_groups,
      scaling_factor: VAE.scaling_factor,
    },
    unet: {
      in_channels: UNET.in_channels,
      out_channels: UNET.out_channels,
      block_out_channels: UNET.block_out_channels,
      layers_per_block: UNET.layers_per_block,
      down_block_types: UNET.down_block_types,
      up_block_types: UNET.up_block_types,
      heads: UNET.attention_head_dim,
      cross_attention_dim: UNET.cross_attention_dim,
      groups: UNET.norm_num_groups,
      norm_eps: UNET.norm_eps,
    },
    scheduler: {
      num_train_timesteps: SCHEDULER.num_train_timesteps ?? 1000,
      beta_start: SCHEDULER.beta_start,
      beta_end: SCHEDULER.beta_end,
      beta_schedule: SCHEDULER.beta_schedule,
    },
    recipe: RECIPE,
  };
}
