/** CLIP: open_clip ViT and timm (SigLIP) vision towers, open_clip and Hugging Face text towers, name maps, loading. */
export * from "./config.js";
export * from "./transformer.js";
export * from "./pos-embed.js";
export * from "./vision.js";
export * from "./text.js";
export * from "./timm-config.js";
export * from "./timm-vit.js";
export * from "./timm-visual.js";
export * from "./hf-text.js";
export * from "./model.js";
export * from "./infer-config.js";
export * from "./load.js";
export * from "./load-hf-text.js";
export * from "./tokenizer.js";
export { hfClipTokenizerFiles } from "./tokenizer/hf-files.js";
export * from "./sentencepiece-tokenizer.js";
