/**
 * Stable Diffusion components with diffusers' semantics and parameter names: UNet2DConditionModel,
 * AutoencoderKL, DDPM/DDIM schedulers, diffusers folder loading and fixture parity helpers.
 * @module
 */
export * from "./unet/index.js";
export * from "./vae/index.js";
export * from "./schedulers/index.js";
export * from "./io/index.js";
export * from "./parity.js";
export type {
  ResnetBlock2DParams,
  BasicTransformerBlockParams,
  Transformer2DModelParams,
  ConvSamplerParams,
} from "./blocks/params.js";
export { diffusionParityRunners } from "./parity-runners.js";
