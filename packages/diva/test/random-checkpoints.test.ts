/**
 * make-random-checkpoints at a reduced width: the files have the hub's layout (names, F16, configs, tokenizer),
 * and postTrain loads them through its ordinary path and runs a DIVA step with a finite loss.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSafetensors } from "@diva/tensor";
import { unetParamCount, vaeParamCount } from "@diva/nn";
import { makeRandomCheckpoints, type RandomCheckpoints } from "../src/full-scale/random-checkpoints.js";
import { fullScaleModels } from "../src/full-scale/models.js";
import { randomTensorValues } from "../src/full-scale/random-weights.js";
import { memoryPlan } from "../src/full-scale/memory-plan.js";
import { timedDivaStep } from "../src/full-scale/timed-step.js";
import { postTrain } from "../src/train/post-train.js";
import { getPreset, type DivaPreset } from "../src/presets.js";
import { haveBpe, SHARED_BPE, writeTinyImages } from "./fixtures/tiny-models.js";

const bpe = await haveBpe();
if (!bpe) console.log(`random-checkpoint tests skipped: the CLIP BPE vocabulary ${SHARED_BPE} is not on this machine`);

describe("fullScaleModels", () => {
  it("is the real SD-2.1-base at scale 1 and keeps layouts valid at reduced widths", () => {
    const full = fullScaleModels("openai-vit-l-14");
    expect(unetParamCount(full.unet)).toBe(865_910_724);
    expect(vaeParamCount(full.vae)).toBe(83_653_863);
    for (const f of [1 / 64, 1 / 32, 0.1, 0.5]) {
      const m = fullScaleModels("openai-vit-l-14", f);
      const groups = m.unet.norm_num_groups!;
      for (const c of m.unet.block_out_channels!) expect(c % groups, `unet ${c} % ${groups} at ${f}`).toBe(0);
      for (const c of m.vae.block_out_channels!) expect(c % m.vae.norm_num_groups!, `vae at ${f}`).toBe(0);
      expect(m.unet.cross_attention_dim).toBe(m.textEncoder.hidden_size);
      expect(m.unet.down_block_types).toEqual(full.unet.down_block_types);
    }
    expect(() => fullScaleModels("siglip-so400m-14-224", 0.5)).toThrow(/timm \(SigLIP\) tower has no reduced-width form/);
    expect(() => fullScaleModels("openai-vit-l-14", 0)).toThrow(/width scale must be in \(0, 1\]/);
  });

  it("random values are deterministic per (seed, name), differ across names and have the planned scale", () => {
    const a = randomTensorValues(1, "w", [64, 256]);
    expect(randomTensorValues(1, "w", [64, 256])).toEqual(a);
    expect(randomTensorValues(1, "v", [64, 256])).not.toEqual(a);
    expect(randomTensorValues(2, "w", [64, 256])).not.toEqual(a);
    const std = Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);
    expect(std).toBeGreaterThan(0.9 / 16);
    expect(std).toBeLessThan(1.1 / 16);
    expect(Array.from(randomTensorValues(1, "norm.weight", [4]))).toEqual([1, 1, 1, 1]);
    expect(Array.from(randomTensorValues(1, "x.bias", [2]))).toEqual([0, 0]);
  });
});

describe.skipIf(!bpe)("make-random-checkpoints at reduced width", () => {
  let root: string;
  let made: RandomCheckpoints;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "diva-random-ckpt-"));
    made = await makeRandomCheckpoints({ preset: "openai-vit-l-14", out: join(root, "models"), bpe: SHARED_BPE, seed: 3, widthScale: 1 / 32 });
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("writes the hub's layout: F16 safetensors, legacy VAE attention names, configs and tokenizer files", async () => {
    for (const sub of ["unet/config.json", "vae/config.json", "text_encoder/config.json", "scheduler/scheduler_config.json", "tokenizer/vocab.json", "tokenizer/merges.txt", "model_index.json"]) {
      expect((await stat(join(made.sd, sub))).isFile(), sub).toBe(true);
    }
    const unetConfig = JSON.parse(await readFile(join(made.sd, "unet", "config.json"), "utf8")) as Record<string, unknown>;
    expect(unetConfig["_class_name"]).toBe("UNet2DConditionModel");
    expect(unetConfig["down_block_types"]).toEqual(["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]);
    const vae = await openSafetensors(join(made.sd, "vae", "diffusion_pytorch_model.safetensors"));
    try {
      expect(vae.keys()).toContain("encoder.mid_block.attentions.0.query.weight");
      expect(vae.keys().every((k) => vae.info(k).dtype === "F16")).toBe(true);
    } finally {
      await vae.close();
    }
    const vocab = JSON.parse(await readFile(join(made.sd, "tokenizer", "vocab.json"), "utf8")) as Record<string, number>;
    expect(vocab["<|endoftext|>"]).toBe(49407);
    expect(Object.keys(vocab)).toHaveLength(49408);
  });

  it("postTrain loads them through its ordinary path and one DIVA step gives a finite loss and an export", async () => {
    const images = join(root, "images");
    await writeTinyImages(images, 2);
    // the real preset with a 64 px VAE crop (8 x 8 latents) instead of 512: the same loading and training path, in seconds
    const base = getPreset("openai-vit-l-14");
    const preset: DivaPreset = { ...base, recipe: { ...base.recipe, vaeCrop: { ...base.recipe.vaeCrop, size: 64 } } };
    {
      const logs: string[] = [];
      const r = await postTrain({
        preset,
        clip: made.clip,
        sd: made.sd,
        images,
        out: join(root, "out", "clip.safetensors"),
        steps: 1,
        imagesPerStep: 1,
        microBatch: 1,
        draws: 1,
        onLog: (m) => logs.push(m),
      });
      expect(r.steps).toBe(1);
      expect(r.losses.every(Number.isFinite), `losses ${r.losses}`).toBe(true);
      expect(logs.some((l) => l.includes("bpe_simple_vocab_16e6.txt.gz"))).toBe(true);
      expect(r.exported!.replaced).toBeGreaterThan(0);
    }
  }, 120_000);

  it("the full-scale benchmark's timed step runs on them: every part timed, finite loss and parameters", async () => {
    const logs: string[] = [];
    const r = await timedDivaStep({ preset: "openai-vit-l-14", clip: made.clip, sd: made.sd, vaeImageSize: 64, checkpointActivations: true, onLog: (m) => logs.push(m) });
    expect(r.parts.map((p) => p.name)).toEqual([
      "load CLIP",
      "SD text embedding",
      "load UNet and VAE",
      "VAE encode",
      "CLIP forward and condition",
      "UNet forward",
      "UNet backward to the condition",
      "CLIP backward, clipping and SGD update",
    ]);
    expect(r.finite).toBe(true);
    expect(Number.isFinite(r.loss) && r.gradNorm > 0).toBe(true);
    expect(r.parts.every((p) => p.seconds >= 0)).toBe(true);
    if (process.platform === "linux") expect(r.peakRssBytes).toBeGreaterThan(0);
    expect(logs).toHaveLength(8);
    // the dry-run plan of the same models and sizes, from the file headers: its activation estimate is what the step kept
    const base = getPreset("openai-vit-l-14");
    const preset: DivaPreset = { ...base, recipe: { ...base.recipe, vaeCrop: { ...base.recipe.vaeCrop, size: 64 } } };
    const plan = await memoryPlan({ preset, models: made.models, clip: made.clip, sd: made.sd, microBatch: 1, microBatches: 1, device: "cpu", checkpointActivations: true });
    expect(plan.weights[0]!.source).toBe(`header of ${made.clip}`);
    expect(plan.weights.every((w) => w.storageDType === "F16")).toBe(true);
    const ratio = r.keptActivationBytes / plan.activations.totalBytes;
    expect(ratio, `measured ${r.keptActivationBytes} vs planned ${plan.activations.totalBytes}`).toBeGreaterThan(0.75);
    expect(ratio).toBeLessThan(1.25);
  }, 120_000);
});
