import type { OpenClipConfig } from "@diva/nn";

/** Image side of the synthetic world and of the demo models. */
export const DEMO_IMAGE_SIZE = 32;
/** Text context length of the tiny CLIP (also the length of the diffusion model's text condition). */
export const DEMO_CONTEXT_LENGTH = 24;

/** The tiny CLIP: a ViT at 32x32 with 4x4 patches (64 patches + class token) and a small text tower. */
export function tinyClipConfig(vocabSize: number): OpenClipConfig {
  return {
    embed_dim: 64,
    quick_gelu: true,
    vision_cfg: { image_size: DEMO_IMAGE_SIZE, patch_size: 4, width: 64, layers: 4, head_width: 16, mlp_ratio: 4 },
    text_cfg: { context_length: DEMO_CONTEXT_LENGTH, vocab_size: vocabSize, width: 64, heads: 4, layers: 3 },
  };
}
