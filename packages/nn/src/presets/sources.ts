import type { ClipPresetName } from "./clip.js";

/** A file of a Hugging Face hub repository. */
export interface HubFile {
  /** The repository, e.g. `timm/vit_large_patch14_clip_224.openai`. */
  readonly repo: string;
  /** The checkpoint file in it. */
  readonly file: string;
}

/**
 * Where open_clip publishes each reference CLIP (its `pretrained` tags on the Hugging Face hub), as the
 * open_clip-layout checkpoint that `loadClip` reads (tensor names and config as open_clip's; the repository's
 * `open_clip_config.json` goes beside it).
 */
export const CLIP_CHECKPOINT_SOURCES = {
  /** OpenAI's ViT-L/14 at 224 px. */
  "openai-vit-l-14": { repo: "timm/vit_large_patch14_clip_224.openai", file: "open_clip_model.safetensors" },
  /** OpenAI's ViT-L/14 at 336 px. */
  "openai-vit-l-14-336": { repo: "timm/vit_large_patch14_clip_336.openai", file: "open_clip_model.safetensors" },
  /** MetaCLIP ViT-L/14 (2.5B pairs). */
  "metaclip-vit-l-14": { repo: "timm/vit_large_patch14_clip_224.metaclip_2pt5b", file: "open_clip_model.safetensors" },
  /** MetaCLIP ViT-H/14 (2.5B pairs). */
  "metaclip-vit-h-14": { repo: "timm/vit_huge_patch14_clip_224.metaclip_2pt5b", file: "open_clip_model.safetensors" },
  /** SigLIP SO400M/14 at 224 px. */
  "siglip-so400m-14-224": { repo: "timm/ViT-SO400M-14-SigLIP", file: "open_clip_model.safetensors" },
  /** SigLIP SO400M/14 at 384 px. */
  "siglip-so400m-14-384": { repo: "timm/ViT-SO400M-14-SigLIP-384", file: "open_clip_model.safetensors" },
  /** DFN-5B ViT-H/14 at 224 px. */
  "dfn-vit-h-14": { repo: "apple/DFN5B-CLIP-ViT-H-14", file: "open_clip_pytorch_model.bin" },
  /** DFN-5B ViT-H/14 at 378 px. */
  "dfn-vit-h-14-378": { repo: "apple/DFN5B-CLIP-ViT-H-14-378", file: "open_clip_pytorch_model.bin" },
} as const satisfies Record<ClipPresetName, HubFile>;

/** The Stable Diffusion 2.1-base diffusers folder DIVA uses. */
export const SD21_BASE_SOURCE = {
  /** The Hugging Face hub repository. */
  repo: "stabilityai/stable-diffusion-2-1-base",
} as const;

/** The shell command that downloads a preset's CLIP checkpoint (with its open_clip_config.json) into `dir`. */
export function clipDownloadCommand(preset: ClipPresetName, dir = preset): string {
  const s = CLIP_CHECKPOINT_SOURCES[preset];
  return `huggingface-cli download ${s.repo} ${s.file} open_clip_config.json --local-dir ${dir}`;
}

/** The shell command that downloads the SD-2.1-base files DIVA reads (full-precision weights) into `dir`. */
export function sdDownloadCommand(dir = "sd-2-1-base"): string {
  return (
    `huggingface-cli download ${SD21_BASE_SOURCE.repo} --local-dir ${dir} --include "*.json" "tokenizer/*" ` +
    `"unet/diffusion_pytorch_model.safetensors" "vae/diffusion_pytorch_model.safetensors" "text_encoder/model.safetensors"`
  );
}

/** A sentence for missing-checkpoint errors: how to get a CLIP checkpoint (of `preset` when known). */
export function clipCheckpointHint(preset?: string): string {
  const known = preset !== undefined && Object.hasOwn(CLIP_CHECKPOINT_SOURCES, preset);
  const name = (known ? preset : "openai-vit-l-14") as ClipPresetName;
  const file = `${name}/${CLIP_CHECKPOINT_SOURCES[name].file}`;
  return `${known ? "get it" : "get one, e.g. OpenAI's ViT-L/14,"} with: ${clipDownloadCommand(name)} (then pass ${file}; the README's "Real weights" lists every preset)`;
}
