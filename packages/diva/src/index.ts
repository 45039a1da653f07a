/**
 * @diva/core: DIVA ("Diffusion Feedback Helps CLIP See Better", arXiv 2407.20171) as library functions: the
 * condition, objective and step as pure functions, `postTrain` end to end, MMVP-VLM and zero-shot evaluation,
 * the reference presets, image data streams and checkpoints.
 *
 * @example
 * ```ts
 * import { postTrain } from "@diva/core";
 * await postTrain({ preset: "openai-vit-l-14", clip: "ViT-L-14.safetensors", sd: "stable-diffusion-2-1-base",
 *   images: "cc3m-shards/", out: "ViT-L-14-diva.safetensors", checkpointDir: "checkpoints/" });
 * ```
 * @module @diva/core
 */
export * from "./condition.js";
export * from "./objective.js";
export * from "./step.js";
export * from "./presets.js";
export * from "./preset-file.js";
export * from "./preset-config.js";
export * from "./train/post-train.js";
export * from "./train/post-train-options.js";
export * from "./train/post-train-loop.js";
export * from "./train/checkpoint.js";
export { type ResumeOverrides } from "./train/divergence.js";
export * from "./models/frozen-diffusion.js";
export * from "./models/frozen-dtype.js";
export * from "./models/prompt-embedding.js";
export * from "./models/projection.js";
export * from "./models/tokenizer.js";
export * from "./models/siglip-tokenizer.js";
export * from "./models/vision-tokens.js";
export * from "./models/clip-checkpoint.js";
export * from "./models/clip-export.js";
export * from "./eval/clip-model.js";
export * from "./eval/loaded-clip.js";
export * from "./eval/mmvp.js";
export * from "./eval/mmvp-seeds.js";
export * from "./eval/paper-features.js";
export * from "./eval/zeroshot.js";
export * from "./eval/zeroshot-folder.js";
export * from "./eval/similarity.js";
export * from "./eval/templates.js";
export * from "./data/image.js";
export * from "./data/resize-geometry.js";
export * from "./data/preprocess.js";
export * from "./data/resize-bilinear.js";
export * from "./data/sources.js";
export * from "./data/stream.js";
export * from "./data/limits.js";
