/** AutoencoderKL (the Stable Diffusion VAE) with diffusers' parameter names and semantics. @module */
export { SD21_BASE_VAE_CONFIG, resolveVAEConfig, type AutoencoderKLConfig, type ResolvedVAEConfig } from "./config.js";
export { vaeEncode, vaeEncodeWithIntermediates, vaeDecode, sampleLatent, type LatentDistribution } from "./forward.js";
export { initVAE } from "./init.js";
export { vaeParamShapes, vaeParamCount, vaeSpecs } from "./specs.js";
export type { VAEParams, VAEEncoderParams, VAEDecoderParams, VAEMidBlockParams } from "./params.js";
