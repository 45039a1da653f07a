import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { add, flattenTree, mapTree, openSafetensors, randomKey, readSafetensors, tensor, writeSafetensors, zeros, type FloatStorageDType } from "@diva/tensor";
import { ClipTokenizer, initClip, loadClip, openClipToHfClip, sgdInit, type HfClipConfig } from "@diva/nn";
import { loadedClipForEval } from "../src/eval/loaded-clip.js";
import { exportPostTrainedClip } from "../src/models/clip-export.js";
import { initProjection } from "../src/models/projection.js";
import { sdPromptEmbedding } from "../src/models/prompt-embedding.js";
import { findClipTokenizer } from "../src/models/tokenizer.js";
import { resolveRunSettings } from "../src/train/post-train-options.js";
import { presetFromJson, resolvePreset } from "../src/preset-file.js";
import { getPreset } from "../src/presets.js";
import { listCheckpoints, loadLatestCheckpoint, saveCheckpoint } from "../src/train/checkpoint.js";
import { haveBpe, SHARED_BPE, TINY_CLIP_CONFIG, writeTinySd } from "./fixtures/tiny-models.js";

const bpe = await haveBpe();
if (!bpe) console.log(`tokenizer-dependent model tests skipped: the CLIP BPE vocabulary ${SHARED_BPE} is not on this machine`);
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "diva-models-"));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe("initProjection", () => {
  it("is torch.nn.Linear's default init: uniform within 1/sqrt(in), deterministic in the key", async () => {
    const p = initProjection(randomKey(3), 64, 10);
    expect(p.weight.shape).toEqual([10, 64]);
    expect(p.bias.shape).toEqual([10]);
    const w = await p.weight.data();
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.1);
    expect(Array.from(await initProjection(randomKey(3), 64, 10).weight.data())).toEqual(Array.from(w));
  });
});

describe("findClipTokenizer", () => {
  it("falls back to the vocabulary shipped with @diva/nn; an explicit --bpe that is missing is an error", async () => {
    const found = await findClipTokenizer({ clip: join(root, "a", "clip.safetensors"), sd: join(root, "sd") });
    expect(found.path).toBe(await ClipTokenizer.defaultVocabPath());
    expect(found.tokenizer.encode("a photo of a .")).toEqual([320, 1125, 539, 320, 269]);
    await expect(findClipTokenizer({ bpe: join(root, "nope.gz") })).rejects.toThrow(/the BPE vocabulary .*nope\.gz does not exist/);
  });

  it.skipIf(!bpe)("finds the open_clip vocabulary beside the checkpoint, or the SD folder's merges.txt, with identical ids", async () => {
    await mkdir(join(root, "clipdir"), { recursive: true });
    await copyFile(SHARED_BPE, join(root, "clipdir", "bpe_simple_vocab_16e6.txt.gz"));
    const a = await findClipTokenizer({ clip: join(root, "clipdir", "model.safetensors") });
    const lines = gunzipSync(await readFile(SHARED_BPE)).toString("utf8").split("\n");
    await mkdir(join(root, "sdtok", "tokenizer"), { recursive: true });
    await writeFile(join(root, "sdtok", "tokenizer", "merges.txt"), ["#version: 0.2", ...lines.slice(1, 1 + 48894)].join("\n") + "\n");
    const b = await findClipTokenizer({ clip: join(root, "elsewhere", "m.safetensors"), sd: join(root, "sdtok") });
    expect(b.path).toBe(join(root, "sdtok", "tokenizer", "merges.txt"));
    expect(Array.from(b.tokenizer.tokenize("a photo of a .").ids)).toEqual(Array.from(a.tokenizer.tokenize("a photo of a .").ids));
    expect(a.tokenizer.encode("a photo of a .")).toEqual([320, 1125, 539, 320, 269]);
  });
});

describe.skipIf(!bpe)("SD prompt embedding", () => {
  it("is the text encoder's last_hidden_state for 77 tokens of 'a photo of a .'", async () => {
    await writeTinySd(join(root, "sd"));
    const { tokenizer } = await findClipTokenizer({ bpe: SHARED_BPE });
    const e = await sdPromptEmbedding(join(root, "sd"), tokenizer);
    expect(e.shape).toEqual([77, 32]);
    expect((await e.data()).every(Number.isFinite)).toBe(true);
  });
});

describe("exportPostTrainedClip", () => {
  it("keeps a Hugging Face checkpoint's names, order and fp16 storage, replacing only the vision tower", async () => {
    const params = initClip(randomKey(4), TINY_CLIP_CONFIG);
    const hf = openClipToHfClip(flattenTree(params)).tensors;
    const hfConfig: HfClipConfig = {
      projection_dim: 16,
      vision_config: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2, image_size: 16, patch_size: 4, hidden_act: "quick_gelu" },
      text_config: { hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2, max_position_embeddings: 77, vocab_size: 49408, hidden_act: "quick_gelu" },
    };
    const src = join(root, "hf-clip.safetensors");
    const dtypes: Record<string, FloatStorageDType> = Object.fromEntries(Object.keys(hf).map((k) => [k, "F16" as const]));
    hf["text_model.embeddings.position_ids"] = tensor(Int32Array.from({ length: 77 }, (_, i) => i), { shape: [1, 77], dtype: "int32" });
    await writeSafetensors(src, hf, { metadata: { config: JSON.stringify(hfConfig) }, dtypes });
    const loaded = await loadClip(src);
    expect(loaded.layout).toBe("hf");
    const trained = mapTree((t) => add(t, 1), loaded.model.params.visual);
    const out = join(root, "hf-clip-diva.safetensors");
    const report = await exportPostTrainedClip({ source: src, visual: trained, layout: loaded.layout, out, metadata: { note: "x" } });

    const a = await openSafetensors(src);
    const b = await openSafetensors(out);
    expect(b.keys()).toEqual(a.keys());
    expect(b.metadata).toEqual({ ...a.metadata, note: "x" });
    let replaced = 0;
    for (const name of a.keys()) {
      if (name !== "text_model.embeddings.position_ids") expect(b.info(name).dtype, name).toBe("F16");
      const x = await a.read(name);
      const y = await b.read(name);
      const isVision = name.startsWith("vision_model.") || name.startsWith("visual_projection.");
      if (isVision) {
        replaced++;
        const dx = await x.data();
        const dy = await y.data();
        dx.forEach((v, i) => expect(Math.abs(dy[i]! - (v + 1))).toBeLessThan(5e-3));
      } else expect(Array.from(await y.data()), name).toEqual(Array.from(await x.data()));
    }
    expect(report.replaced).toBe(replaced);
    expect(report.kept).toBe(a.keys().length - replaced);
    await a.close();
    await b.close();
    const reloaded = await loadClip(out);
    expect(reloaded.layout).toBe("hf");
  });

  it("refuses an output that is not safetensors", async () => {
    const params = initClip(randomKey(4), TINY_CLIP_CONFIG);
    await expect(exportPostTrainedClip({ source: "x.safetensors", visual: params.visual, layout: "open_clip", out: join(root, "x.pt") })).rejects.toThrow(/must end in \.safetensors/);
  });
});

describe("checkpoints", () => {
  it("pass over an unreadable newest file for the newest complete one, and name them all when none is usable", async () => {
    const dir = join(root, "ck");
    const state = (v: number, step: number) => ({
      params: { vision: { w: tensor([v, v]) }, projection: { weight: zeros([1, 2]), bias: zeros([1]) } },
      optimizer: sgdInit<{ vision: { w: ReturnType<typeof zeros> }; projection: { weight: ReturnType<typeof zeros>; bias: ReturnType<typeof zeros> } }>(),
      step,
    });
    const meta = (step: number) => ({ step, consumed: step * 4, seed: 1, losses: Array(step).fill(1), skipped: 0 });
    await saveCheckpoint(dir, state(1, 1), meta(1));
    await saveCheckpoint(dir, state(2, 2), meta(2));
    const good = await readFile(join(dir, "diva-step-0000002.safetensors"));
    await writeFile(join(dir, "diva-step-0000003.safetensors"), good.subarray(0, good.length - 5));
    expect((await listCheckpoints(dir)).length).toBe(3);
    const ck = await loadLatestCheckpoint(dir, state(0, 0));
    expect(ck!.meta.step).toBe(2);
    expect(Array.from(await ck!.state.params.vision.w.data())).toEqual([2, 2]);
    expect(ck!.rejected.map((r) => r.path)).toEqual([join(dir, "diva-step-0000003.safetensors")]);
    await expect(loadLatestCheckpoint(dir, { ...state(0, 0), params: { ...state(0, 0).params, vision: { w: zeros([3]) } } })).rejects.toThrow(
      /no usable checkpoint in .*\n.*diva-step-0000003.*\n.*"params\.vision\.w" is \[2\] but the model has \[3\]/s,
    );
  });
});

describe("presets and run settings", () => {
  it("reads preset JSON on top of a known preset, with errors naming the field", async () => {
    const p = presetFromJson({ base: "openai-vit-l-14", name: "mine", recipe: { steps: 10 } });
    expect(p.recipe.steps).toBe(10);
    expect(p.recipe.lr).toBe(1e-4);
    expect(p.condition).toEqual(getPreset("openai-vit-l-14").condition);
    expect(() => presetFromJson({ base: "openai-vit-l-14", name: "x", condition: { kind: "clsRandomPatches", text: "add" } })).toThrow(/"condition" must be/);
    expect(() => presetFromJson({ base: "openai-vit-l-14", name: "x", recipe: { lr: -1 } })).toThrow(/"recipe\.lr" must be a positive number/);
    expect(() => presetFromJson({ base: "nope" })).toThrow(/unknown preset "nope"; known presets: openai-vit-l-14/);
    await expect(resolvePreset("nope")).rejects.toThrow(/known presets: .*siglip-so400m-14-384/);
    const file = join(root, "p.json");
    await writeFile(file, "{ not json");
    await expect(resolvePreset(file)).rejects.toThrow(/preset file .*p\.json: invalid JSON/);
  });

  it("defaults to the recipe and checks the numbers", () => {
    const s = resolveRunSettings({ preset: "openai-vit-l-14" });
    expect(s).toMatchObject({ steps: 4600, imagesPerStep: 640, microBatch: 16, step: { lr: 1e-4, draws: 2, warmupSteps: 23, momentum: 0.9, clipNorm: 1 }, seed: 0 });
    expect(s.views).toMatchObject({ clipSize: 224, vaeSize: 512, normalization: s.preset.trainNormalization });
    expect(s.condition).toBe(s.preset.condition);
    expect(resolveRunSettings({ preset: "openai-vit-l-14", imagesPerStep: 6 }).microBatch).toBe(6);
    expect(resolveRunSettings({ preset: "openai-vit-l-14", imagesPerStep: 21 }).microBatch).toBe(7);
    expect(() => resolveRunSettings({ preset: "openai-vit-l-14", imagesPerStep: 8, microBatch: 3 })).toThrow(/not a multiple of microBatch 3/);
    expect(() => resolveRunSettings({ preset: "openai-vit-l-14", steps: 0 })).toThrow(/steps must be a positive integer/);
    expect(() => resolveRunSettings({ preset: "openai-vit-l-14", lr: Number.NaN })).toThrow(/lr must be a positive number/);
    expect(() => resolveRunSettings({ preset: "nope" })).toThrow(/unknown preset/);
  });
});

describe.skipIf(!bpe)("loadedClipForEval", () => {
  it("embeds texts with the BPE tokenizer at the tower's context length and images at its resolution", async () => {
    const { tokenizer } = await findClipTokenizer({ bpe: SHARED_BPE });
    const path = join(root, "tiny-clip.safetensors");
    await writeSafetensors(path, flattenTree(initClip(randomKey(5), TINY_CLIP_CONFIG)), { metadata: { config: JSON.stringify(TINY_CLIP_CONFIG) } });
    const { model } = await loadClip(path);
    const clip = loadedClipForEval(model, getPreset("openai-vit-l-14"), tokenizer);
    expect(clip.imageSize).toBe(16);
    expect(clip.normalization).toEqual(getPreset("openai-vit-l-14").evalNormalization);
    expect(clip.encodeText(["a photo of a cat.", "a dog"]).shape).toEqual([2, 16]);
    expect(clip.encodeImage(zeros([3, 3, 16, 16])).shape).toEqual([3, 16]);
    const t = (await readSafetensors(path)).tensors;
    expect(Object.keys(t).length).toBeGreaterThan(0);
  });
});
