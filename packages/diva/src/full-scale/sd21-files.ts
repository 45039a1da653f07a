/**
 * The JSON files of stabilityai/stable-diffusion-2-1-base besides the weights, as the hub has them: the model
 * configs carry `_class_name` and `_diffusers_version` (the text encoder the transformers fields), the
 * scheduler is the pipeline's PNDMScheduler config (DIVA's DDPM training schedule reads the same beta fields),
 * and the tokenizer is CLIPTokenizer with SD 2's "!" padding.
 */
import type { AutoencoderKLConfig, HfClipTextConfig, UNet2DConditionConfig } from "@diva/nn";

const DIFFUSERS = { _diffusers_version: "0.10.0.dev0" };

/** `unet/config.json`. */
export function unetConfigJson(config: UNet2DConditionConfig): object {
  return { _class_name: "UNet2DConditionModel", ...DIFFUSERS, ...config };
}

/** `vae/config.json`. */
export function vaeConfigJson(config: AutoencoderKLConfig): object {
  return { _class_name: "AutoencoderKL", ...DIFFUSERS, ...config };
}

/** `text_encoder/config.json`. */
export function textEncoderConfigJson(config: HfClipTextConfig): object {
  return {
    architectures: ["CLIPTextModel"],
    attention_dropout: 0.0,
    dropout: 0.0,
    initializer_factor: 1.0,
    initializer_range: 0.02,
    model_type: "clip_text_model",
    torch_dtype: "float32",
    transformers_version: "4.25.0.dev0",
    ...config,
  };
}

/** `scheduler/scheduler_config.json`. */
export const SCHEDULER_CONFIG_JSON = {
  _class_name: "PNDMScheduler",
  ...DIFFUSERS,
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  beta_start: 0.00085,
  clip_sample: false,
  num_train_timesteps: 1000,
  prediction_type: "epsilon",
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
};

/** `tokenizer/tokenizer_config.json`. */
export const TOKENIZER_CONFIG_JSON = {
  add_prefix_space: false,
  bos_token: { __type: "AddedToken", content: "<|startoftext|>", lstrip: false, normalized: true, rstrip: false, single_word: false },
  do_lower_case: true,
  eos_token: { __type: "AddedToken", content: "<|endoftext|>", lstrip: false, normalized: true, rstrip: false, single_word: false },
  errors: "replace",
  model_max_length: 77,
  pad_token: "!",
  tokenizer_class: "CLIPTokenizer",
  unk_token: { __type: "AddedToken", content: "<|endoftext|>", lstrip: false, normalized: true, rstrip: false, single_word: false },
};

/** `tokenizer/special_tokens_map.json`. */
export const SPECIAL_TOKENS_MAP_JSON = {
  bos_token: { content: "<|startoftext|>", lstrip: false, normalized: true, rstrip: false, single_word: false },
  eos_token: { content: "<|endoftext|>", lstrip: false, normalized: true, rstrip: false, single_word: false },
  pad_token: "!",
  unk_token: { content: "<|endoftext|>", lstrip: false, normalized: true, rstrip: false, single_word: false },
};
