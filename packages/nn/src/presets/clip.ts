/**
 * The reference CLIP checkpoints DIVA was run on, as open_clip model configs (the fields of open_clip's
 * `model_configs/<name>.json`), keyed by a short preset name. OpenAI weights run with QuickGELU, which open_clip
 * selects for the `openai` tag; the preset configs carry it explicitly so that `initClip`/`clipSpecs` build the
 * same modules open_clip would.
 */
import type { OpenClipConfig } from "../clip/config.js";

/** A named reference CLIP: where its weights come from and the config that builds it. */
export interface ClipPreset {
  /** open_clip model name and pretrained tag (`open_clip.create_model_and_transforms(model, pretrained)`). */
  readonly openClip: {
    /** open_clip model name, e.g. "ViT-L-14". */
    readonly model: string;
    /** open_clip pretrained tag, e.g. "openai". */
    readonly pretrained: string;
  };
  /** The model config, open_clip field names. */
  readonly config: OpenClipConfig;
}

const openAiText = (width: number, heads: number, layers: number): OpenClipConfig["text_cfg"] => ({
  context_length: 77,
  vocab_size: 49408,
  width,
  heads,
  layers,
});

/** ViT-L/14 at a resolution (OpenAI and MetaCLIP). */
const vitL14 = (imageSize: number): OpenClipConfig => ({
  embed_dim: 768,
  quick_gelu: true,
  vision_cfg: { image_size: imageSize, layers: 24, width: 1024, patch_size: 14 },
  text_cfg: openAiText(768, 12, 12),
});

/** ViT-H/14 at a resolution (MetaCLIP and DFN; 80-wide heads). */
const vitH14 = (imageSize: number): OpenClipConfig => ({
  embed_dim: 1024,
  quick_gelu: true,
  vision_cfg: { image_size: imageSize, layers: 32, width: 1280, head_width: 80, patch_size: 14 },
  text_cfg: openAiText(1024, 16, 24),
});

/** SigLIP SO400M/14 (timm trunk with the attention-pool head; bidirectional text tower under `text.`). */
const so400m = (imageSize: 224 | 384): OpenClipConfig => ({
  embed_dim: 1152,
  init_logit_bias: -10,
  custom_text: true,
  vision_cfg: {
    image_size: imageSize,
    timm_model_name: `vit_so400m_patch14_siglip_${imageSize}`,
    timm_model_pretrained: false,
    timm_pool: "map",
    timm_proj: "none",
  },
  text_cfg: {
    context_length: imageSize === 224 ? 16 : 64,
    vocab_size: 32000,
    width: 1152,
    heads: 16,
    layers: 27,
    mlp_ratio: 3.7362,
    no_causal_mask: true,
    proj_bias: true,
    pool_type: "last",
    norm_kwargs: { eps: 1e-6 },
  },
});

const preset = (model: string, pretrained: string, config: OpenClipConfig): ClipPreset => ({ openClip: { model, pretrained }, config });

/** The reference CLIP models of the DIVA paper, by preset name. */
export const CLIP_PRESETS = {
  /** OpenAI CLIP ViT-L/14 at 224. */
  "openai-vit-l-14": preset("ViT-L-14", "openai", vitL14(224)),
  /** OpenAI CLIP ViT-L/14 at 336. */
  "openai-vit-l-14-336": preset("ViT-L-14-336", "openai", vitL14(336)),
  /** MetaCLIP ViT-L/14 (fullcc 2.5B). */
  "metaclip-vit-l-14": preset("ViT-L-14-quickgelu", "metaclip_fullcc", vitL14(224)),
  /** MetaCLIP ViT-H/14 (fullcc 2.5B). */
  "metaclip-vit-h-14": preset("ViT-H-14-quickgelu", "metaclip_fullcc", vitH14(224)),
  /** SigLIP SO400M/14 at 224 (WebLI). */
  "siglip-so400m-14-224": preset("ViT-SO400M-14-SigLIP", "webli", so400m(224)),
  /** SigLIP SO400M/14 at 384 (WebLI). */
  "siglip-so400m-14-384": preset("ViT-SO400M-14-SigLIP-384", "webli", so400m(384)),
  /** DFN ViT-H/14 at 224 (DFN-5B). */
  "dfn-vit-h-14": preset("ViT-H-14-quickgelu", "dfn5b", vitH14(224)),
  /** DFN ViT-H/14 at 378 (DFN-5B). */
  "dfn-vit-h-14-378": preset("ViT-H-14-378-quickgelu", "dfn5b", vitH14(378)),
} as const satisfies Record<string, ClipPreset>;

/** Name of a reference CLIP preset. */
export type ClipPresetName = keyof typeof CLIP_PRESETS;

/** A CLIP preset by name, or an error listing the known names. */
export function clipPreset(name: string): ClipPreset {
  const p = (CLIP_PRESETS as Record<string, ClipPreset>)[name];
  if (!p) throw new Error(`unknown CLIP preset "${name}"; known presets: ${Object.keys(CLIP_PRESETS).join(", ")}`);
  return p;
}
