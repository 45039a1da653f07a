/** UNet2DConditionModel (Stable Diffusion) with diffusers' parameter names and semantics. @module */
export { SD21_BASE_UNET_CONFIG, type UNet2DConditionConfig } from "./config.js";
export { unetForward, unetForwardWithIntermediates, type UNetOutputWithIntermediates, type UNetForwardOptions } from "./forward.js";
export { initUNet } from "./init.js";
export { unetParamShapes, unetParamCount, unetSpecs } from "./specs.js";
export { planUNet, type UNetPlan, type DownBlockPlan, type UpBlockPlan, type MidBlockPlan } from "./plan.js";
export { timestepEmbedding, type UNetTimesteps } from "./timestep.js";
export type { UNetParams, UNetDownBlockParams, UNetUpBlockParams, UNetMidBlockParams } from "./params.js";
