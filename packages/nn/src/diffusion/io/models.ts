import type { Params } from "../../checkpoint-names/params.js";
import type { DDIMSchedulerConfig, DDPMSchedulerConfig } from "../schedulers/config.js";
import type { UNet2DConditionConfig } from "../unet/config.js";
import type { UNetParams } from "../unet/params.js";
import { unetSpecs } from "../unet/specs.js";
import type { AutoencoderKLConfig } from "../vae/config.js";
import type { VAEParams } from "../vae/params.js";
import { vaeSpecs } from "../vae/specs.js";
import { firstExisting, joinPath, readJson } from "./folder.js";
import { loadDiffusersComponent, type LoadedDiffusersComponent, type DiffusersLoadOptions } from "./load.js";
import { saveDiffusersComponent, type DiffusersSaveOptions } from "./save.js";
import { renameLegacyVAE } from "../../checkpoint-names/legacy-vae.js";

/**
 * Loads a diffusers UNet2DConditionModel: `dir` is the `unet/` folder or a pipeline folder that contains one.
 *
 * @example
 * ```ts
 * const { params, config } = await loadUNet("stable-diffusion-2-1-base", { variant: "fp16" });
 * ```
 */
export function loadUNet(dir: string, options: DiffusersLoadOptions = {}): Promise<LoadedDiffusersComponent<UNetParams, UNet2DConditionConfig>> {
  return loadDiffusersComponent(dir, "unet", (c: UNet2DConditionConfig) => unetSpecs(c), options);
}

/**
 * Loads a diffusers AutoencoderKL: `dir` is the `vae/` folder or a pipeline folder that contains one. Legacy
 * attention names (query/key/value/proj_attn, as the SD-2.x hub files store them) are mapped.
 */
export function loadVAE(dir: string, options: DiffusersLoadOptions = {}): Promise<LoadedDiffusersComponent<VAEParams, AutoencoderKLConfig>> {
  return loadDiffusersComponent(dir, "vae", vaeSpecs, options, renameLegacyVAE);
}

/** Reads a scheduler config (`scheduler_config.json` of `dir` or of `dir/scheduler`), for DDPMScheduler or DDIMScheduler. */
export async function loadSchedulerConfig(dir: string): Promise<
  DDPMSchedulerConfig &
    DDIMSchedulerConfig & {
      /** The scheduler class the file was written for, e.g. "PNDMScheduler". */
      _class_name?: string;
    }
> {
  const path = await firstExisting([joinPath(dir, "scheduler_config.json"), joinPath(dir, "scheduler", "scheduler_config.json")]);
  if (!path) throw new Error(`${dir}: no scheduler_config.json here or in scheduler/`);
  return readJson(path);
}

/** Writes a UNet as a diffusers folder (config.json + diffusion_pytorch_model.safetensors). */
export function saveUNet(dir: string, params: UNetParams, config: UNet2DConditionConfig, options: DiffusersSaveOptions = {}): Promise<void> {
  return saveDiffusersComponent(dir, "UNet2DConditionModel", config, params as Params, options);
}

/** Writes an AutoencoderKL as a diffusers folder (config.json + diffusion_pytorch_model.safetensors). */
export function saveVAE(dir: string, params: VAEParams, config: AutoencoderKLConfig, options: DiffusersSaveOptions = {}): Promise<void> {
  return saveDiffusersComponent(dir, "AutoencoderKL", config, params as Params, options);
}

