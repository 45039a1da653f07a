/**
 * @diva/nn: layers as pure functions over parameter trees named like the reference checkpoints, CLIP towers and
 * tokenizer, the Stable Diffusion UNet and VAE, schedulers, optimizers and checkpoint loading.
 * @module @diva/nn
 */
export * from "./checkpoint-names/index.js";
export * from "./optim/index.js";
export * from "./layers/index.js";
export * from "./clip/index.js";
export * from "./parity/index.js";
export * from "./diffusion/index.js";
export * from "./torch-pickle/index.js";
export * from "./presets/index.js";
