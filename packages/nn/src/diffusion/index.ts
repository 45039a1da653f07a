/**
 * Stable Diffusion components with diffusers' semantics and parameter names: UNet2DConditionModel,
 * AutoencoderKL, DDPM/DDIM schedulers, and diffusers folder loading.
 * @module
 */
export * from "./unet/index.js";
export * from "./vae/index.js";
export * from "./schedulers/index.js";
export * from "./io/index.js";
export { countParams, type ParamShapes } from "./blocks/shapes.js";
export type { InitOptions } from "./blocks/init.js";
export type {
  LinearParams,
  Conv2dParams,
  NormParams,
  ResnetParams,
  AttentionParams,
  FeedForwardParams,
  TransformerBlockParams,
  Transformer2DParams,
  SamplerParams,
} from "./blocks/params.js";
