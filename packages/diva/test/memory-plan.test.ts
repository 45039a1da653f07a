/**
 * The dry-run memory plan: it builds for all eight presets from configs alone, its weight counts are the
 * presets' known parameter counts, the WebGPU check names what does not fit, and its activation estimate
 * matches what a reduced-width step keeps (measured in test/random-checkpoints.test.ts as well).
 */
import { describe, expect, it } from "vitest";
import { memoryPlan, formatMemoryPlan, WEBGPU_DEFAULT_LIMITS } from "../src/full-scale/memory-plan.js";
import { PRESETS, getPreset } from "../src/presets.js";

/** Total CLIP parameters per preset (the @diva/nn preset tests pin these against open_clip's figures). */
const CLIP_TOTAL: Record<string, number> = {
  "openai-vit-l-14": 427_616_513,
  "openai-vit-l-14-336": 427_944_193,
  "metaclip-vit-l-14": 427_616_513,
  "metaclip-vit-h-14": 986_109_441,
  "dfn-vit-h-14": 986_109_441,
  "dfn-vit-h-14-378": 986_109_441 + (730 - 257) * 1280,
};

describe("memoryPlan", () => {
  it("builds for all eight presets with the known weight counts", async () => {
    expect(Object.keys(PRESETS)).toHaveLength(8);
    for (const name of Object.keys(PRESETS)) {
      const plan = await memoryPlan({ preset: getPreset(name), microBatch: 16, microBatches: 5, device: "cpu", checkpointActivations: false });
      const w = Object.fromEntries(plan.weights.map((x) => [x.model, x]));
      expect(w["UNet"]!.parameters, name).toBe(865_910_724);
      expect(w["VAE"]!.parameters).toBe(83_653_863);
      expect(w["SD text encoder"]!.parameters).toBe(340_387_840);
      expect(w["UNet"]!.storageBytes).toBe(2 * 865_910_724);
      expect(w["UNet"]!.loadedBytes).toBe(4 * 865_910_724);
      if (CLIP_TOTAL[name]) expect(w["CLIP"]!.parameters, name).toBe(CLIP_TOTAL[name]);
      // the trained part: the vision tower plus the projection to 1024
      expect(plan.trainable.parameters).toBeGreaterThan(300e6);
      expect(plan.trainable.accumulatedGradientBytes).toBe(plan.trainable.paramBytes);
      expect(plan.activations.totalBytes).toBeGreaterThan(0);
      expect(plan.peakBytes).toBeGreaterThan(w["UNet"]!.loadedBytes + plan.activations.totalBytes);
      expect(formatMemoryPlan(plan)).toContain(`preset ${name}`);
    }
    const l14 = await memoryPlan({ preset: getPreset("openai-vit-l-14"), microBatch: 1, microBatches: 1, device: "cpu", checkpointActivations: false });
    // ViT-L/14's vision tower: 303.97 M (open_clip's model profile), plus the 768 -> 1024 projection
    expect(Math.round((l14.trainable.parameters - (768 * 1024 + 1024)) / 1e4) / 100).toBe(303.97);
  });

  it("checkpointing cuts the activation estimate; more images cost proportionally more", async () => {
    const p = getPreset("openai-vit-l-14");
    const plain = await memoryPlan({ preset: p, microBatch: 1, microBatches: 1, device: "cpu", checkpointActivations: false });
    const ckpt = await memoryPlan({ preset: p, microBatch: 1, microBatches: 1, device: "cpu", checkpointActivations: true });
    const b4 = await memoryPlan({ preset: p, microBatch: 4, microBatches: 1, device: "cpu", checkpointActivations: false });
    expect(ckpt.activations.totalBytes).toBeLessThan(plain.activations.totalBytes / 4);
    expect(b4.activations.totalBytes).toBeCloseTo(4 * plain.activations.totalBytes, -3);
  });

  it("on WebGPU names the tensors over the buffer limits, with the limits given", async () => {
    const plan = await memoryPlan({ preset: getPreset("openai-vit-l-14"), microBatch: 16, microBatches: 5, device: "webgpu", checkpointActivations: true });
    const text = formatMemoryPlan(plan);
    const defaults = plan.bufferChecks!.find((c) => c.limits === WEBGPU_DEFAULT_LIMITS)!;
    // the SD text encoder's token embedding: 49408 x 1024 float32 = 193 MiB > 128 MiB binding
    expect(defaults.tooLarge.map((t) => t.tensor)).toContain("SD text encoder: text_model.embeddings.token_embedding.weight");
    // the first level's self-attention scores at batch 16: 16 x 5 x 4096^2 x 4 bytes = 5 GiB
    expect(defaults.tooLarge.some((t) => t.tensor.startsWith("UNet self-attention scores") && t.exceeds.includes("maxBufferSize"))).toBe(true);
    expect(text).toMatch(/WebGPU buffers, WebGPU default limits \(binding 128\.0 MiB, buffer 256\.0 MiB\): \d+ tensor\(s\) would not fit/);
    const cpu = await memoryPlan({ preset: getPreset("openai-vit-l-14"), microBatch: 1, microBatches: 1, device: "cpu", checkpointActivations: false });
    expect(cpu.bufferChecks).toBeUndefined();
  });
});

describe("diva post-train --dry-run", () => {
  it("prints the plan as JSON without loading anything (the files need not exist)", async () => {
    const { spawnSync } = await import("node:child_process");
    const { join } = await import("node:path");
    const repo = join(import.meta.dirname, "..", "..", "..");
    const main = join(repo, "packages", "diva", "src", "cli", "main.ts");
    const args = ["post-train", "--preset", "dfn-vit-h-14", "--clip", "nowhere.safetensors", "--sd", "nowhere", "--images", "nowhere", "--out", "o.safetensors", "--dry-run", "--json", "--checkpoint-activations", "--micro-batch", "8"];
    const r = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", main, ...args], { cwd: repo, encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { preset: string; microBatch: number; checkpointActivations: boolean; weights: { model: string; source: string }[]; activations: { totalBytes: number } };
    expect(plan).toMatchObject({ preset: "dfn-vit-h-14", microBatch: 8, checkpointActivations: true });
    expect(plan.weights.map((w) => w.model)).toEqual(["CLIP", "UNet", "VAE", "SD text encoder"]);
    expect(plan.weights[0]!.source).toMatch(/^config/);
    expect(plan.activations.totalBytes).toBeGreaterThan(0);
  }, 60_000);
});
