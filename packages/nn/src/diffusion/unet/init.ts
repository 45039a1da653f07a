import type { RandomKey } from "@diva/tensor";
import { initFromSpecs, type InitOptions } from "../../checkpoint-names/specs.js";
import type { UNet2DConditionConfig } from "./config.js";
import type { UNetParams } from "./params.js";
import { unetSpecs } from "./specs.js";

/**
 * A freshly initialised UNet2DConditionModel for `config` (PyTorch's default layer initialisation), as a tree
 * under diffusers' state_dict names.
 *
 * @example
 * ```ts
 * const params = initUNet(randomKey(0), { block_out_channels: [32, 64], down_block_types: [...], ... });
 * ```
 */
export function initUNet(key: RandomKey, config: UNet2DConditionConfig, options: InitOptions = {}): UNetParams {
  return initFromSpecs(key, unetSpecs(config), options);
}
