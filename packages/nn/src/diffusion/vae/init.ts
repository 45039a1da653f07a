import type { RandomKey } from "@diva/tensor";
import { unflattenParams } from "../../params.js";
import { initFromShapes, type DiffusionInitOptions } from "../blocks/init.js";
import type { AutoencoderKLConfig } from "./config.js";
import type { VAEParams } from "./params.js";
import { vaeShapeBuilder } from "./shapes.js";

/** A freshly initialised AutoencoderKL for `config` (PyTorch's default layer initialisation), under diffusers' names. */
export function initVAE(key: RandomKey, config: AutoencoderKLConfig, options: DiffusionInitOptions = {}): VAEParams {
  return unflattenParams(initFromShapes(key, vaeShapeBuilder(config), options)) as unknown as VAEParams;
}
