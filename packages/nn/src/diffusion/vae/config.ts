/**
 * The fields of diffusers' `AutoencoderKL` config.json; missing fields take diffusers' defaults.
 */
export interface AutoencoderKLConfig {
  in_channels?: number;
  out_channels?: number;
  down_block_types?: readonly string[];
  up_block_types?: readonly string[];
  block_out_channels?: readonly number[];
  layers_per_block?: number;
  act_fn?: string;
  latent_channels?: number;
  norm_num_groups?: number;
  sample_size?: number | readonly [number, number];
  /** Latents are multiplied by this before the UNet (pipelines do it; encode/decode do not). */
  scaling_factor?: number;
  shift_factor?: number | null;
  latents_mean?: readonly number[] | null;
  latents_std?: readonly number[] | null;
  force_upcast?: boolean;
  use_quant_conv?: boolean;
  use_post_quant_conv?: boolean;
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
  inChannels: number;
  outChannels: number;
  blockOutChannels: number[];
  layersPerBlock: number;
  act: string;
  latentChannels: number;
  groups: number;
  scalingFactor: number;
  shiftFactor: number | null;
  useQuantConv: boolean;
  usePostQuantConv: boolean;
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
