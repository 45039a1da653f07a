import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { flattenTree, memory, normal, randint, randomKey, readSafetensors, tidy, type Tensor } from "@diva/tensor";
import {
  ClipModel,
  clipSpecs,
  countParams,
  hfClipTextSpecs,
  inferOpenClipConfig,
  initClip,
  loadClip,
  openClipToHfClip,
  hfClipToOpenClip,
  timmVisualSpecs,
  type OpenClipConfig,
} from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));

const TINY: OpenClipConfig = {
  embed_dim: 16,
  quick_gelu: true,
  vision_cfg: { image_size: 32, patch_size: 8, width: 64, layers: 2, head_width: 64 },
  text_cfg: { context_length: 8, vocab_size: 40, width: 64, heads: 1, layers: 2 },
};

function maxDiff(a: Tensor, b: Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(Number(x[i]) - Number(y[i])));
  return m;
}

const pixels = normal(randomKey(7), [2, 3, 32, 32]);
const ids = randint(randomKey(8), [2, 8], 0, 40);

describe("loadClip", () => {
  it("loads open_clip names and reproduces the model", async () => {
    const params = initClip(randomKey(1), TINY);
    const ref = new ClipModel(params, TINY);
    const { model, layout, report } = await loadClip(flattenTree(params), { config: TINY });
    expect(layout).toBe("open_clip");
    expect(report.missing).toEqual([]);
    expect(maxDiff(model.encodeImage(pixels), ref.encodeImage(pixels))).toBe(0);
    expect(maxDiff(model.encodeText(ids), ref.encodeText(ids))).toBe(0);
  });

  it("detects Hugging Face CLIPModel names and converts them exactly (and back)", async () => {
    const params = initClip(randomKey(2), TINY);
    const ref = new ClipModel(params, TINY);
    const hf = openClipToHfClip(flattenTree(params));
    expect(Object.keys(hf.unmapped)).toEqual([]);
    expect(hf.tensors["vision_model.encoder.layers.1.self_attn.k_proj.weight"]!.shape).toEqual([64, 64]);
    expect(hf.tensors["visual_projection.weight"]!.shape).toEqual([16, 64]);
    const hfConfig = {
      projection_dim: 16,
      vision_config: { hidden_size: 64, intermediate_size: 256, num_hidden_layers: 2, num_attention_heads: 1, image_size: 32, patch_size: 8 },
      text_config: { hidden_size: 64, intermediate_size: 256, num_hidden_layers: 2, num_attention_heads: 1, max_position_embeddings: 8, vocab_size: 40 },
    };
    const { model, layout, report } = await loadClip({ ...hf.tensors, "text_model.embeddings.position_ids": ids }, { config: hfConfig });
    expect(layout).toBe("hf");
    expect(report).toEqual({ missing: [], unexpected: [], mismatched: [] });
    expect(maxDiff(model.encodeImage(pixels), ref.encodeImage(pixels))).toBe(0);
    expect(maxDiff(model.encodeText(ids), ref.encodeText(ids))).toBe(0);
    const back = hfClipToOpenClip(hf.tensors).tensors;
    for (const [n, t] of Object.entries(flattenTree(params))) expect(maxDiff(back[n]!, t), n).toBe(0);
  });

  it("names missing, unexpected and mis-shaped keys; strict:false lists them", async () => {
    const flat = flattenTree(initClip(randomKey(3), TINY));
    delete flat["visual.ln_post.bias"];
    flat["visual.extra"] = normal(randomKey(0), [2]);
    flat["text_projection"] = normal(randomKey(0), [64, 8]);
    await expect(loadClip({ ...flat }, { config: TINY })).rejects.toThrow(/visual\.ln_post\.bias[\s\S]*visual\.extra[\s\S]*"text_projection" has shape \[64, 8\], the model expects \[64, 16\]/);
    const { report, model } = await loadClip({ ...flat }, { config: TINY, strict: false });
    expect(report.missing).toEqual(["visual.ln_post.bias"]);
    expect(report.unexpected).toEqual(["visual.extra"]);
    expect(report.mismatched.map((m) => m.name)).toEqual(["text_projection"]);
    expect(model.encodeText(ids).shape).toEqual([2, 16]);
  });

  it("infers an OpenAI-style config from the shapes", () => {
    const cfg = inferOpenClipConfig(flattenTree(initClip(randomKey(4), TINY)));
    expect(cfg.embed_dim).toBe(16);
    expect(cfg.vision_cfg).toMatchObject({ image_size: 32, patch_size: 8, width: 64, layers: 2, head_width: 64, mlp_ratio: 4 });
    expect(cfg.text_cfg).toMatchObject({ context_length: 8, vocab_size: 40, width: 64, heads: 1, layers: 2 });
  });

  it("loads a whole SigLIP CustomTextCLIP with the config from the file's metadata", async () => {
    const file = join(here, "fixtures/siglip_tiny.safetensors");
    const { model, report, configSource } = await loadClip(file, { strict: false });
    expect(configSource).toBe("metadata");
    expect(report.missing).toEqual([]);
    expect(report.unexpected.every((n) => /^(input|output)\./.test(n))).toBe(true);
    const { tensors } = await readSafetensors(file, { names: ["input.pixel_values", "input.input_ids", "output.logits_per_image"] });
    const { logitsPerImage } = model.logits(tensors["input.pixel_values"]!, tensors["input.input_ids"]!);
    expect(maxDiff(logitsPerImage, tensors["output.logits_per_image"]!)).toBeLessThan(1e-4);
  });
});

describe("loadClip from a PyTorch zip checkpoint", () => {
  it("reads {state_dict: {module.*: fp16}} with the restricted unpickler and matches open_clip", async () => {
    const io = await readSafetensors(join(here, "fixtures/torch/open_clip_tiny_io.safetensors"));
    const config = JSON.parse(io.metadata.config!) as OpenClipConfig;
    const { model, report } = await loadClip(join(here, "fixtures/torch/open_clip_tiny.bin"), { config });
    expect(report).toEqual({ missing: [], unexpected: [], mismatched: [] });
    const t = io.tensors;
    expect(maxDiff(model.encodeImage(t["input.pixel_values"]!), t["output.image_embeds"]!)).toBeLessThan(1e-5);
    expect(maxDiff(model.encodeText(t["input.input_ids"]!), t["output.text_embeds"]!)).toBeLessThan(1e-5);
  });
});

describe("parameter counts from the specs (no allocation)", () => {
  const L14 = { embed_dim: 768, quick_gelu: true, vision_cfg: { image_size: 224, layers: 24, width: 1024, patch_size: 14 }, text_cfg: { context_length: 77, vocab_size: 49408, width: 768, heads: 12, layers: 12 } };
  it("OpenAI ViT-B/32, ViT-L/14 (224, 336), open_clip ViT-H/14", () => {
    expect(countParams(clipSpecs({ embed_dim: 512, vision_cfg: { image_size: 224, layers: 12, width: 768, patch_size: 32 }, text_cfg: { width: 512, heads: 8, layers: 12 } }))).toBe(151_277_313);
    expect(countParams(clipSpecs(L14))).toBe(427_616_513);
    expect(countParams(clipSpecs({ ...L14, vision_cfg: { ...L14.vision_cfg, image_size: 336 } }))).toBe(427_944_193);
    expect(countParams(clipSpecs({ embed_dim: 1024, vision_cfg: { image_size: 224, layers: 32, width: 1280, head_width: 80, patch_size: 14 }, text_cfg: { width: 1024, heads: 16, layers: 24 } }))).toBe(986_109_441);
  });
  it("SD-2.1 text encoder (HF CLIPTextModel, 23 layers) and the SigLIP SO400M/14 vision trunk", () => {
    expect(countParams(hfClipTextSpecs({ hidden_size: 1024, intermediate_size: 4096, num_hidden_layers: 23, num_attention_heads: 16, hidden_act: "gelu" }))).toBe(340_387_840);
    const so = { embed_dim: 1152, vision_cfg: { timm_model_name: "vit_so400m_patch14_siglip_224", timm_pool: "map", timm_proj: "none" }, text_cfg: {} };
    expect(countParams(timmVisualSpecs(so))).toBe(427_680_704);
  });
});

describe("memory", () => {
  it("the live tensor count is flat across forward passes", () => {
    const model = new ClipModel(initClip(randomKey(9), TINY), TINY);
    const step = () => {
      const out = tidy(() => model.visionForward(pixels, { blocks: "all" }).projectedTokens);
      out.dispose();
    };
    step();
    const before = memory().tensors;
    for (let i = 0; i < 3; i++) step();
    expect(memory().tensors).toBe(before);
  });
});
