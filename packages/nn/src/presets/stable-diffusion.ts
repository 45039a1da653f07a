/**
 * Stable Diffusion 2.1-base (stabilityai/stable-diffusion-2-1-base), the frozen diffusion model of DIVA: the
 * configs of its `unet/`, `vae/`, `text_encoder/` and `scheduler/` folders in one place.
 */
import type { HfClipTextConfig } from "../clip/hf-text.js";
import { SD21_BASE_SCHEDULER_CONFIG, type DDIMSchedulerConfig, type DDPMSchedulerConfig } from "../diffusion/schedulers/config.js";
import { SD21_BASE_UNET_CONFIG, type UNet2DConditionConfig } from "../diffusion/unet/config.js";
import { SD21_BASE_VAE_CONFIG, type AutoencoderKLConfig } from "../diffusion/vae/config.js";

/** SD-2.1's `text_encoder/config.json`: the OpenCLIP ViT-H/14 text tower without its last block (23 of 24). */
export const SD21_BASE_TEXT_ENCODER_CONFIG: HfClipTextConfig = {
  vocab_size: 49408,
  hidden_size: 1024,
  intermediate_size: 4096,
  projection_dim: 512,
  num_hidden_layers: 23,
  num_attention_heads: 16,
  max_position_embeddings: 77,
  hidden_act: "gelu",
  layer_norm_eps: 1e-5,
  bos_token_id: 0,
  eos_token_id: 2,
  pad_token_id: 1,
};

/** The components of a diffusers Stable Diffusion pipeline folder, as configs. */
export interface StableDiffusionPreset {
  /** `unet/config.json`. */
  readonly unet: UNet2DConditionConfig;
  /** `vae/config.json`. */
  readonly vae: AutoencoderKLConfig;
  /** `text_encoder/config.json`. */
  readonly textEncoder: HfClipTextConfig;
  /** `scheduler/scheduler_config.json` (DDPM and DDIM read the same fields). */
  readonly scheduler: DDPMSchedulerConfig & DDIMSchedulerConfig;
}

/** Stable Diffusion 2.1-base. */
export const SD21_BASE: StableDiffusionPreset = {
  unet: SD21_BASE_UNET_CONFIG,
  vae: SD21_BASE_VAE_CONFIG,
  textEncoder: SD21_BASE_TEXT_ENCODER_CONFIG,
  scheduler: SD21_BASE_SCHEDULER_CONFIG,
};
