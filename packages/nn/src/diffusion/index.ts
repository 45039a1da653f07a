/**
 * Stable Diffusion components with diffusers' semantics and parameter names: UNet2DConditionModel,
 * AutoencoderKL, DDPM/DDIM schedulers and diffusers folder loading (their parity runners are in `parity/`).
 * @module
 */
export * from "./unet/index.js";
export * from "./vae/index.js";
export * from "./schedulers/index.js";
export * from "./io/index.js";
export type {
  ResnetBlock2DParams,
  BasicTransformerBlockParams,
  Transformer2DModelParams,
  ConvSamplerParams,
} from "./blocks/params.js";
