/**
 * One name per parameter: for every model family the tree that `init*` builds has exactly the names and shapes
 * of the model's spec table, and a flat state dict with exactly the spec names, unflattened with `unflattenAs`,
 * has the typed interface's shape (deep paths read through the interface find tensors of the expected shape).
 * A spec renamed away from its interface (or the reverse) fails here, not in a forward pass.
 */
import { describe, expect, it } from "vitest";
import { randomKey, type Tensor } from "@diva/tensor";
import {
  clipSpecs,
  flattenParams,
  hfClipTextSpecs,
  initClip,
  initFlatFromSpecs,
  initHfClipText,
  initUNet,
  initVAE,
  unflattenAs,
  unetSpecs,
  vaeSpecs,
  type ClipVisionParams,
  type HfClipTextConfig,
  type HfClipTextParams,
  type OpenClipConfig,
  type ParamSpecs,
  type SpecsOf,
  type Params,
  type TimmVisualParams,
} from "../src/index.js";
import { TINY_UNET, TINY_VAE } from "./support/tiny-diffusion-configs.js";

const OPEN_CLIP: OpenClipConfig = {
  embed_dim: 16,
  quick_gelu: true,
  vision_cfg: { image_size: 16, patch_size: 8, width: 8, layers: 2, head_width: 4 },
  text_cfg: { context_length: 8, vocab_size: 40, width: 8, heads: 2, layers: 2 },
};
// open_clip's SigLIP CustomTextCLIP layout (timm trunk with a MAP head, `text.` tower), as test/fixtures/siglip_tiny
const SIGLIP: OpenClipConfig = {
  embed_dim: 8,
  init_logit_bias: -10,
  custom_text: true,
  vision_cfg: {
    image_size: 16,
    timm_model_name: "vit_so400m_patch14_siglip_224",
    timm_model_pretrained: false,
    timm_pool: "map",
    timm_proj: "none",
    timm_model_kwargs: { embed_dim: 8, depth: 2, num_heads: 2, patch_size: 8, img_size: 16 },
  },
  text_cfg: { context_length: 8, vocab_size: 40, width: 8, heads: 2, layers: 2, no_causal_mask: true, proj_bias: true, pool_type: "last" },
};
const HF_TEXT: HfClipTextConfig = { vocab_size: 40, hidden_size: 8, intermediate_size: 16, projection_dim: 4, num_hidden_layers: 2, num_attention_heads: 2, max_position_embeddings: 8 };
const UNET = TINY_UNET;
const VAE = TINY_VAE;

/** name -> shape, sorted by name (the tree's order is not the spec's order). */
function shapesOf(entries: [string, { shape: readonly number[] }][]): [string, number[]][] {
  return entries.map(([n, t]): [string, number[]] => [n, [...t.shape]]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** `init*`'s tree has exactly the spec names and shapes. */
function expectInitMatchesSpecs(tree: object, specs: ParamSpecs): void {
  expect(shapesOf(Object.entries(flattenParams(tree as Params)))).toEqual(shapesOf(Object.entries(specs)));
}

/** A tree unflattened from a flat dict with exactly the spec names (tensors built from the specs), typed by the specs. */
function treeFromSpecs<T extends object>(specs: SpecsOf<T>): T {
  return unflattenAs(initFlatFromSpecs(randomKey(0), specs), specs, "param-trees.test");
}

/** The shape at a typed path, or undefined where the spec names miss the interface's path. */
const shape = (t: Tensor | undefined): readonly number[] | undefined => t?.shape;

describe("init trees equal spec tables, and spec names match the typed interfaces", () => {
  it("open_clip CLIP (ViT vision tower, text tower at the top level)", () => {
    const specs = clipSpecs(OPEN_CLIP);
    expectInitMatchesSpecs(initClip(randomKey(1), OPEN_CLIP), specs);
    const p = treeFromSpecs(specs);
    const visual = p.visual as ClipVisionParams;
    expect(shape(visual.conv1.weight)).toEqual([8, 3, 8, 8]);
    expect(shape(visual.transformer.resblocks[1]?.attn.in_proj_weight)).toEqual([24, 8]);
    expect(shape(visual.transformer.resblocks[1]?.mlp && "c_fc" in visual.transformer.resblocks[1].mlp ? visual.transformer.resblocks[1].mlp.c_fc.weight : undefined)).toEqual([32, 8]);
    expect(shape(visual.proj)).toEqual([8, 16]);
    expect(shape(p.transformer?.resblocks[0]?.attn.out_proj.weight)).toEqual([8, 8]);
    expect(shape(p.token_embedding?.weight)).toEqual([40, 8]);
    expect(shape(p.ln_final?.bias)).toEqual([8]);
    expect(shape(p.logit_scale)).toEqual([]);
  });

  it("SigLIP CustomTextCLIP (timm trunk with attention-pool head, text tower under text.)", () => {
    const specs = clipSpecs(SIGLIP);
    expectInitMatchesSpecs(initClip(randomKey(2), SIGLIP), specs);
    const p = treeFromSpecs(specs);
    const trunk = (p.visual as TimmVisualParams).trunk;
    expect(shape(trunk.patch_embed.proj.weight)).toEqual([8, 3, 8, 8]);
    expect(shape(trunk.blocks[1]?.attn.qkv.weight)).toEqual([24, 8]);
    expect(shape(trunk.blocks[1]?.mlp.fc2.weight)).toEqual([8, trunk.blocks[1]?.mlp.fc1.weight.shape[0] ?? -1]);
    expect(shape(trunk.attn_pool?.kv.weight)).toEqual([16, 8]);
    expect(shape(trunk.attn_pool?.latent)).toEqual([1, 1, 8]);
    expect(shape(p.text?.transformer.resblocks[1]?.ln_2.weight)).toEqual([8]);
    expect(shape(p.text?.text_projection && "weight" in p.text.text_projection ? p.text.text_projection.bias : undefined)).toEqual([8]);
    expect(shape(p.logit_bias)).toEqual([]);
  });

  it("Hugging Face CLIPTextModel(WithProjection)", () => {
    const specs = hfClipTextSpecs(HF_TEXT, true);
    expectInitMatchesSpecs(initHfClipText(randomKey(3), HF_TEXT, { withProjection: true }), specs);
    const p = treeFromSpecs(specs);
    expect(shape(p.text_model.embeddings.token_embedding.weight)).toEqual([40, 8]);
    expect(shape(p.text_model.embeddings.position_embedding.weight)).toEqual([8, 8]);
    expect(shape(p.text_model.encoder.layers[1]?.self_attn.v_proj.weight)).toEqual([8, 8]);
    expect(shape(p.text_model.encoder.layers[1]?.mlp.fc1.weight)).toEqual([16, 8]);
    expect(shape(p.text_model.final_layer_norm.weight)).toEqual([8]);
    expect(shape(p.text_projection?.weight)).toEqual([4, 8]);
  });

  it("diffusers UNet2DConditionModel", () => {
    const specs = unetSpecs(UNET);
    expectInitMatchesSpecs(initUNet(randomKey(4), UNET), specs);
    const p = treeFromSpecs(specs);
    expect(shape(p.conv_in.weight)).toEqual([8, 4, 3, 3]);
    expect(shape(p.time_embedding.linear_2.weight)).toEqual([32, 32]);
    const block = p.down_blocks[0]?.attentions?.[0]?.transformer_blocks[0];
    expect(shape(block?.attn2?.to_k.weight)).toEqual([8, 8]);
    expect(shape(block?.attn1.to_out[0]?.weight)).toEqual([8, 8]);
    expect(shape(block?.ff.net[0].proj.weight)).toEqual([64, 8]);
    expect(shape(p.down_blocks[0]?.downsamplers?.[0]?.conv.weight)).toEqual([8, 8, 3, 3]);
    expect(shape(p.up_blocks[0]?.resnets[0]?.conv_shortcut?.weight)).toEqual([16, 32, 1, 1]);
    expect(shape(p.mid_block?.attentions?.[0]?.proj_out.weight)).toEqual([16, 16]);
    expect(shape(p.conv_out.bias)).toEqual([4]);
  });

  it("diffusers AutoencoderKL", () => {
    const specs = vaeSpecs(VAE);
    expectInitMatchesSpecs(initVAE(randomKey(5), VAE), specs);
    const p = treeFromSpecs(specs);
    expect(shape(p.encoder.conv_in.weight)).toEqual([8, 3, 3, 3]);
    expect(shape(p.encoder.down_blocks[0]?.resnets[0]?.norm1.weight)).toEqual([8]);
    expect(shape(p.encoder.mid_block.attentions?.[0]?.to_q.weight)).toEqual([8, 8]);
    expect(shape(p.encoder.mid_block.attentions?.[0]?.group_norm?.bias)).toEqual([8]);
    expect(shape(p.decoder.up_blocks[0]?.upsamplers?.[0]?.conv.weight)).toEqual([8, 8, 3, 3]);
    expect(shape(p.decoder.conv_out.weight)).toEqual([3, 8, 3, 3]);
    expect(shape(p.quant_conv?.weight)).toEqual([8, 8, 1, 1]);
    expect(shape(p.post_quant_conv?.weight)).toEqual([4, 4, 1, 1]);
  });
});

describe("unflattenAs", () => {
  const specs = hfClipTextSpecs(HF_TEXT, false);
  const flat = (): Record<string, Tensor> => initFlatFromSpecs(randomKey(6), specs);

  it("names a missing parameter and the source", () => {
    const f = flat();
    delete f["text_model.final_layer_norm.bias"];
    expect(() => unflattenAs(f, specs, "x.safetensors")).toThrow(/x\.safetensors: missing parameter "text_model\.final_layer_norm\.bias"/);
    expect(unflattenAs(f, specs, "x.safetensors", { partial: true }).text_model.final_layer_norm.bias).toBeUndefined();
  });

  it("names an unexpected parameter, partial or not", () => {
    const f = { ...flat(), "text_model.extra": flat()["text_model.final_layer_norm.bias"]! };
    expect(() => unflattenAs(f, specs, "x.safetensors", { partial: true })).toThrow(/x\.safetensors: unexpected parameter "text_model\.extra"/);
  });

  it("takes a name -> shape map as the expected names", () => {
    const names = new Map(Object.entries(specs).map(([n, s]) => [n, s.shape]));
    expect(shape(unflattenAs<HfClipTextParams>(flat(), names).text_model.encoder.layers[0]?.layer_norm1.weight)).toEqual([8]);
  });
});
