import { dispose, tidy, type Device, type Tensor } from "@diva/tensor";
import {
  DDPMScheduler,
  loadSchedulerConfig,
  loadUNet,
  loadVAE,
  resolveVAEConfig,
  SD21_BASE_SCHEDULER_CONFIG,
  unetForward,
  vaeEncode,
  type AutoencoderKLConfig,
  type DDPMSchedulerConfig,
  type UNet2DConditionConfig,
  type UNetParams,
  type VAEParams,
} from "@diva/nn";
import type { FrozenDiffusion, NoiseScheduleLike } from "../objective.js";

/** The parts of a Stable Diffusion model DIVA keeps frozen. */
export interface DiffusionParts {
  /** UNet weights. */
  readonly unet: UNetParams;
  /** UNet config. */
  readonly unetConfig: UNet2DConditionConfig;
  /** VAE weights. */
  readonly vae: VAEParams;
  /** VAE config. */
  readonly vaeConfig: AutoencoderKLConfig;
  /** The training noise schedule. */
  readonly scheduler: NoiseScheduleLike;
}

/**
 * The frozen diffusion model over loaded weights: the VAE posterior mean (`vaeEncode(...).mean`), the VAE
 * config's `scaling_factor` (0.18215 for SD), the UNet's noise prediction and the scheduler's `addNoise`.
 */
export function frozenDiffusion(parts: DiffusionParts, options: { checkpoint?: boolean } = {}): FrozenDiffusion {
  // activation checkpointing of the UNet's resnet and transformer blocks (see unetForward)
  const unetOptions = options.checkpoint ? { checkpoint: true } : {};
  return {
    encodeMean: (images: Tensor) => tidy(() => vaeEncode(parts.vae, images, parts.vaeConfig).mean),
    scalingFactor: resolveVAEConfig(parts.vaeConfig).scalingFactor,
    predictNoise: (latents: Tensor, timesteps: Tensor, condition: Tensor) => unetForward(parts.unet, latents, timesteps, condition, parts.unetConfig, unetOptions),
    scheduler: parts.scheduler,
  };
}

/** A Stable Diffusion folder loaded for DIVA. */
export interface LoadedDiffusion extends DiffusionParts {
  /** The frozen model DIVA's loss calls. */
  readonly diffusion: FrozenDiffusion;
  /** The UNet's cross-attention width (1024 for SD 2.1): the projection's output size. */
  readonly crossAttentionDim: number;
  /** Frees the UNet and VAE weights. */
  dispose(): void;
}

/**
 * The UNet's cross-attention dim (a list of equal values is accepted, as diffusers allows).
 * @internal
 */
export function crossAttentionDimOf(config: UNet2DConditionConfig): number {
  const c = config.cross_attention_dim;
  const values: readonly number[] = typeof c === "number" ? [c] : (c ?? [1280]);
  if (new Set(values).size !== 1) throw new Error(`UNet config: cross_attention_dim ${JSON.stringify(c)} differs per block; DIVA needs one width`);
  return values[0]!;
}

/**
 * Loads the UNet (`unet/`), the VAE (`vae/`) and the DDPM training schedule (`scheduler/scheduler_config.json`,
 * else SD 2.1's scaled_linear 0.00085..0.012 over 1000 steps) of a diffusers Stable Diffusion folder. The
 * weights load as float32, or as float16 with `dtype` (mixed precision: half the memory, float32 activations).
 * Errors name the folder and, for a checkpoint that does not match its config, the keys.
 */
export async function loadFrozenDiffusion(
  sdDir: string,
  options: { device?: Device; checkpoint?: boolean; dtype?: "float32" | "float16" } = {},
): Promise<LoadedDiffusion> {
  const load = { ...(options.device ? { device: options.device } : {}), dtype: options.dtype ?? "float32" };
  const unet = await loadUNet(sdDir, load);
  let vae;
  try {
    vae = await loadVAE(sdDir, load);
  } catch (e) {
    dispose(unet.params);
    throw e;
  }
  const schedulerConfig: DDPMSchedulerConfig = await loadSchedulerConfig(sdDir).catch(() => SD21_BASE_SCHEDULER_CONFIG);
  const parts: DiffusionParts = {
    unet: unet.params,
    unetConfig: unet.config,
    vae: vae.params,
    vaeConfig: vae.config,
    scheduler: new DDPMScheduler(schedulerConfig),
  };
  return {
    ...parts,
    diffusion: frozenDiffusion(parts, { checkpoint: options.checkpoint ?? false }),
    crossAttentionDim: crossAttentionDimOf(unet.config),
    dispose: () => dispose([parts.unet, parts.vae]),
  };
}

/** Checks that `sdDir` is a diffusers SD folder with `unet/`, `vae/` and `text_encoder/` (each with config.json); the error lists what is missing. */
export async function requireSdFolder(sdDir: string): Promise<void> {
  const { stat } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const missing: string[] = [];
  for (const sub of ["unet", "vae", "text_encoder"]) {
    if (!(await stat(join(sdDir, sub, "config.json")).then((s) => s.isFile(), () => false))) missing.push(`${sub}/config.json`);
  }
  if (missing.length) {
    throw new Error(`Stable Diffusion folder ${sdDir} lacks ${missing.join(", ")} (expected a diffusers folder such as stabilityai/stable-diffusion-2-1-base)`);
  }
}
