import type { RandomKey } from "@diva/tensor";
import { initFromSpecs, type InitOptions } from "../../checkpoint-names/specs.js";
import type { AutoencoderKLConfig } from "./config.js";
import type { VAEParams } from "./params.js";
import { vaeSpecs } from "./specs.js";

/** A freshly initialised AutoencoderKL for `config` (PyTorch's default layer initialisation), under diffusers' names. */
export function initVAE(key: RandomKey, config: AutoencoderKLConfig, options: InitOptions = {}): VAEParams {
  return initFromSpecs(key, vaeSpecs(config), options);
}
