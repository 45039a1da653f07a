/** Named reference configurations: the CLIP models DIVA was run on and Stable Diffusion 2.1-base. */
export * from "./clip.js";
export * from "./stable-diffusion.js";
export * from "./sources.js";
