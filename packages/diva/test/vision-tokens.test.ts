import { describe, expect, it } from "vitest";
import { dispose, noGrad, normal, randomKey } from "@diva/tensor";
import { clipVisionForward, initClip, type OpenClipConfig } from "@diva/nn";
import { clipVisionTokenDim, clipVisionTokens } from "../src/models/vision-tokens.js";
import { TINY_CLIP_CONFIG } from "./fixtures/tiny-models.js";

const timm = (proj: string, kwargs: Record<string, unknown> = {}): OpenClipConfig => ({
  embed_dim: 24,
  custom_text: true,
  vision_cfg: {
    image_size: 16,
    timm_model_name: "vit_so400m_patch14_siglip_224",
    timm_pool: "map",
    timm_proj: proj,
    timm_model_kwargs: { embed_dim: 32, depth: 1, num_heads: 2, patch_size: 8, img_size: 16, ...kwargs },
  },
  text_cfg: { context_length: 4, vocab_size: 16, width: 16, heads: 2, layers: 1 },
} as OpenClipConfig);

const CONFIGS: Record<string, OpenClipConfig> = {
  "ViT with proj": TINY_CLIP_CONFIG,
  "ViT without proj (embed_dim 0)": { ...TINY_CLIP_CONFIG, embed_dim: 0 },
  "timm, proj none (trunk head = embed_dim)": timm("none"),
  "timm, proj none, no trunk head": timm("none", { num_classes: 0 }),
  "timm, proj linear": timm("linear"),
  "timm, proj mlp": timm("mlp"),
};

describe("clipVisionTokens", () => {
  for (const [name, config] of Object.entries(CONFIGS)) {
    it(`${name}: clipVisionTokenDim reads the token width the forward pass gives from the config`, () => {
      const params = initClip(randomKey(1), config);
      const size = config.vision_cfg.image_size as number;
      const tokens = noGrad(() => clipVisionTokens(config)(params.visual, normal(randomKey(2), [2, 3, size, size])));
      expect(tokens.shape[2]).toBe(clipVisionTokenDim(config));
      dispose([tokens, params]);
    });
  }

  it("OpenAI ViT: the tokens are the tower's projected tokens, bit for bit", async () => {
    const params = initClip(randomKey(1), TINY_CLIP_CONFIG);
    const x = normal(randomKey(2), [2, 3, 16, 16]);
    const ours = clipVisionTokens(TINY_CLIP_CONFIG)(params.visual, x);
    const ref = clipVisionForward(params, TINY_CLIP_CONFIG, x).projectedTokens;
    expect(Array.from(await ours.data())).toEqual(Array.from(await ref.data()));
    dispose([ours, ref, x, params]);
  });
});
