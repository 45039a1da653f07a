/**
 * How checkpoint names become parameters, in one place:
 * - `specs.ts`: spec tables (checkpoint name -> shape and initialiser) and `SpecsOf<T>`, the tag that ties a
 *   table to its parameter tree type; every layer's `*Specs` function and each model's table are built with it
 *   (CLIP: the `*Specs` functions in `clip/`; UNet, VAE and their blocks: `diffusion/{unet,vae,blocks}/specs.ts`);
 * - `params.ts`: flat name -> tensor maps to typed trees and back (`unflattenAs`, `flattenParams`);
 * - `validate.ts`: a flat checkpoint checked against a spec table (missing, unexpected, mis-shaped names);
 * - `hf-clip.ts`: Hugging Face CLIP names <-> open_clip names (and configs);
 * - `legacy-vae.ts`: the VAE attention names of diffusers < 0.14, both ways (read on load, written by
 *   `diva make-random-checkpoints`).
 */
export * from "./params.js";
export * from "./specs.js";
export * from "./validate.js";
export * from "./hf-clip.js";
export { legacyVAEName } from "./legacy-vae.js";
