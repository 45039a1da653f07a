/**
 * Stable Diffusion components with diffusers' semantics and parameter names: UNet2DConditionModel,
 * AutoencoderKL, DDPM/DDIM schedulers, and diffusers folder loading.
 * @module
 */
export * from "./unet/index.js";
export * from "./vae/index.js";
export * from "./schedulers/index.js";
export * from "./io/index.js";
export { countParams as countParamShapes, type ParamShapes } from "./blocks/shapes.js";
// LinearParams, Conv2dParams, NormParams and FeedForwardParams come from ../layers (the same shapes)
export type {
  ResnetParams,
  AttentionParams,
  TransformerBlockParams,
  Transformer2DParams,
  SamplerParams,
} from "./blocks/params.js";
