/**
 * The fields of diffusers' `AutoencoderKL` config.json; missing fields take diffusers' defaults.
 */
export interface AutoencoderKLConfig {
  /** Image channels in (default 3). */
  in_channels?: number;
  /** Image channels out (default 3). */
  out_channels?: number;
  /** Encoder blocks; only "DownEncoderBlock2D" (default one per block_out_channels entry). */
  down_block_types?: readonly string[];
  /** Decoder blocks; only "UpDecoderBlock2D" (default one per block_out_channels entry). */
  up_block_types?: readonly string[];
  /** Channels of each resolution level (default [64]; SD: [128, 256, 512, 512]). */
  block_out_channels?: readonly number[];
  /** Resnets per encoder block; decoder blocks get one more (default 1). */
  layers_per_block?: number;
  /** Activation (default "silu"). */
  act_fn?: string;
  /** Latent channels (default 4). */
  latent_channels?: number;
  /** GroupNorm groups (default 32). */
  norm_num_groups?: number;
  /** Image size the model was trained at (informational). */
  sample_size?: number | readonly [number, number];
  /** Latents are multiplied by this before the UNet (pipelines do it; encode/decode do not). */
  scaling_factor?: number;
  /** Latent shift that pipelines apply with scaling_factor (default null; encode/decode do not). */
  shift_factor?: number | null;
  /** Per-channel latent mean (not supported: must be null). */
  latents_mean?: readonly number[] | null;
  /** Per-channel latent std (not supported: must be null). */
  latents_std?: readonly number[] | null;
  /** Run in float32 under fp16 (ignored). */
  force_upcast?: boolean;
  /** The encoder output goes through quant_conv (default true). */
  use_quant_conv?: boolean;
  /** Latents go through post_quant_conv before the decoder (default true). */
  use_post_quant_conv?: boolean;
  /** The mid blocks have attention (default true). */
  mid_block_add_attention?: boolean;
}

/** The SD-2.1-base VAE (stabilityai/stable-diffusion-2-1-base `vae/config.json`). */
export const SD21_BASE_VAE_CONFIG: AutoencoderKLConfig = {
  in_channels: 3,
  out_channels: 3,
  down_block_types: ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
  up_block_types: ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"],
  block_out_channels: [128, 256, 512, 512],
  layers_per_block: 2,
  act_fn: "silu",
  latent_channels: 4,
  norm_num_groups: 32,
  sample_size: 512,
  scaling_factor: 0.18215,
};

/** An AutoencoderKL config with every field this implementation reads filled in. */
export interface ResolvedVAEConfig {
  /** Image channels in. */
  inChannels: number;
  /** Image channels out. */
  outChannels: number;
  /** Channels of each level. */
  blockOutChannels: number[];
  /** Resnets per encoder block. */
  layersPerBlock: number;
  /** Activation. */
  act: string;
  /** Latent channels. */
  latentChannels: number;
  /** GroupNorm groups. */
  groups: number;
  /** Latent scaling factor (0.18215 for SD). */
  scalingFactor: number;
  /** Latent shift, or null. */
  shiftFactor: number | null;
  /** Whether quant_conv exists. */
  useQuantConv: boolean;
  /** Whether post_quant_conv exists. */
  usePostQuantConv: boolean;
  /** Whether the mid blocks have attention. */
  midBlockAttention: boolean;
}

/** Fills in diffusers' defaults and checks the block types, naming the field at fault. */
export function resolveVAEConfig(config: AutoencoderKLConfig): ResolvedVAEConfig {
  const boc = [...(config.block_out_channels ?? [64])];
  const downTypes = config.down_block_types ?? boc.map(() => "DownEncoderBlock2D");
  const upTypes = config.up_block_types ?? boc.map(() => "UpDecoderBlock2D");
  if (downTypes.length !== boc.length) throw new Error(`VAE config: down_block_types has ${downTypes.length} entries for ${boc.length} block_out_channels`);
  if (upTypes.length !== boc.length) throw new Error(`VAE config: up_block_types has ${upTypes.length} entries for ${boc.length} block_out_channels`);
  downTypes.forEach((t, i) => {
    if (t !== "DownEncoderBlock2D") throw new Error(`VAE config: down_block_types[${i}] = ${JSON.stringify(t)} is not supported (DownEncoderBlock2D)`);
  });
  upTypes.forEach((t, i) => {
    if (t !== "UpDecoderBlock2D") throw new Error(`VAE config: up_block_types[${i}] = ${JSON.stringify(t)} is not supported (UpDecoderBlock2D)`);
  });
  if (config.latents_mean || config.latents_std) throw new Error("VAE config: latents_mean/latents_std are not supported");
  return {
    inChannels: config.in_channels ?? 3,
    outChannels: config.out_channels ?? 3,
    blockOutChannels: boc,
    layersPerBlock: config.layers_per_block ?? 1,
    act: config.act_fn ?? "silu",
    latentChannels: config.latent_channels ?? 4,
    groups: config.norm_num_groups ?? 32,
    scalingFactor: config.scaling_factor ?? 0.18215,
    shiftFactor: config.shift_factor ?? null,
    useQuantConv: config.use_quant_conv ?? true,
    usePostQuantConv: config.use_post_quant_conv ?? true,
    midBlockAttention: config.mid_block_add_attention ?? true,
  };
}
