/**
 * Mixed precision (`precision: "mixed"`): the frozen UNet, VAE and SD text encoder are loaded in float16 (half
 * the bytes), a DIVA step over them gives the float32 step's loss and gradients up to the float16 rounding of
 * the frozen weights, and the trainable parameters, gradients and optimizer state stay float32.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispose, flattenTree, memory, normal, randomKey, splitKey, sub, sum, mul, valueAndGrad, type RandomKey, type Tensor } from "@diva/tensor";
import { initClip, loadHfClipText, sgdInit, type ClipVisualParams } from "@diva/nn";
import { loadFrozenDiffusion, type LoadedDiffusion } from "../src/models/frozen-diffusion.js";
import { frozenDType } from "../src/models/frozen-dtype.js";
import { formatMemoryPlan, memoryPlan } from "../src/full-scale/memory-plan.js";
import { getPreset } from "../src/presets.js";
import { initProjection } from "../src/models/projection.js";
import { clipVisionTokens } from "../src/models/vision-tokens.js";
import { divaLoss, type DivaLossContext, type DivaTrainable } from "../src/objective.js";
import { resolveRunSettings } from "../src/train/post-train-options.js";
import { divaStep, type DivaState } from "../src/step.js";
import { TINY_CLIP_CONFIG, TINY_PRESET, writeTinySd } from "./fixtures/tiny-models.js";

let root: string;
let sd: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "diva-mixed-"));
  sd = join(root, "sd");
  await writeTinySd(sd);
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** Loads the tiny SD folder in `dtype`; returns it and the bytes its weights added on the CPU. */
async function loadSd(dtype: "float32" | "float16"): Promise<{ sd: LoadedDiffusion; bytes: number }> {
  const before = memory().bytes.cpu ?? 0;
  const loaded = await loadFrozenDiffusion(sd, { dtype });
  return { sd: loaded, bytes: (memory().bytes.cpu ?? 0) - before };
}

/** Relative L2 distance of two tensors' values. */
async function relDiff(a: Tensor, b: Tensor): Promise<number> {
  const d = sub(a, b);
  const num = Math.sqrt((await sum(mul(d, d)).data())[0]!);
  const den = Math.sqrt((await sum(mul(b, b)).data())[0]!);
  d.dispose();
  return num / den;
}

describe("mixed precision", () => {
  it("resolves --precision (fp32 by default, mixed records mixed-float16; anything else is refused)", () => {
    expect(resolveRunSettings({ preset: TINY_PRESET }).precision).toBe("float32");
    expect(resolveRunSettings({ preset: TINY_PRESET, precision: "mixed" }).precision).toBe("mixed-float16");
    expect(() => resolveRunSettings({ preset: TINY_PRESET, precision: "bf16" as "mixed" })).toThrow(/precision must be "fp32" or "mixed"/);
    expect(frozenDType("mixed-float16")).toBe("float16"); // the CPU stores float16
    expect(frozenDType("float32")).toBe("float32");
  });

  it("the memory plan counts the frozen models in float16 under mixed precision, the trainable state unchanged", async () => {
    const base = { preset: getPreset("openai-vit-l-14"), microBatch: 16, microBatches: 5, device: "webgpu", checkpointActivations: true } as const;
    const fp32 = await memoryPlan(base);
    const mixed = await memoryPlan({ ...base, frozenDType: "float16" });
    const line = (p: typeof fp32, m: string) => p.weights.find((w) => w.model === m)!;
    for (const m of ["UNet", "VAE", "SD text encoder"]) {
      expect(line(mixed, m).loadedDType).toBe("float16");
      expect(line(mixed, m).loadedBytes * 2).toBe(line(fp32, m).loadedBytes);
    }
    expect(line(mixed, "CLIP")).toEqual(line(fp32, "CLIP"));
    expect(mixed.trainable).toEqual(fp32.trainable);
    expect(fp32.peakBytes - mixed.peakBytes).toBe((line(fp32, "UNet").loadedBytes + line(fp32, "VAE").loadedBytes) / 2);
    // the SD text encoder's token embedding (49408 x 1024) exceeds WebGPU's default 128 MiB binding in float32 only
    const tooLarge = (p: typeof fp32) => p.bufferChecks![0]!.tooLarge.map((t) => t.tensor);
    expect(tooLarge(fp32)).toContain("SD text encoder: text_model.embeddings.token_embedding.weight");
    expect(tooLarge(mixed)).not.toContain("SD text encoder: text_model.embeddings.token_embedding.weight");
    expect(formatMemoryPlan(mixed)).toMatch(/UNet .* loaded \(float16\)/);
  });

  it("loads the frozen UNet, VAE and text encoder in float16: every weight float16, half the bytes", async () => {
    const full = await loadSd("float32");
    const half = await loadSd("float16");
    expect(half.bytes * 2).toBe(full.bytes);
    for (const t of Object.values(flattenTree({ u: half.sd.unet, v: half.sd.vae }))) expect(t.dtype).toBe("float16");
    full.sd.dispose();
    half.sd.dispose();
    const before = memory().bytes.cpu ?? 0;
    const text32 = await loadHfClipText(join(sd, "text_encoder"));
    const mid = memory().bytes.cpu ?? 0;
    const text16 = await loadHfClipText(join(sd, "text_encoder"), { dtype: "float16" });
    expect(((memory().bytes.cpu ?? 0) - mid) * 2).toBe(mid - before);
    dispose([text32.params, text16.params]);
  });

  it("a DIVA step over float16 frozen models gives the float32 step's loss and gradients within the weights' rounding; trainable state stays float32", async () => {
    const [kClip, kProj, kImg, kVae, kLoss] = splitKey(randomKey(3), 5) as [RandomKey, RandomKey, RandomKey, RandomKey, RandomKey];
    const { visual, ...frozenClip } = initClip(kClip, TINY_CLIP_CONFIG);
    const vision = visual as ClipVisualParams;
    const trainable: DivaTrainable<ClipVisualParams> = { vision, projection: initProjection(kProj, TINY_CLIP_CONFIG.embed_dim, 32) };
    const batch = { clipImages: normal(kImg, [2, 3, 16, 16]), vaeImages: normal(kVae, [2, 3, 32, 32]) };
    const textEmbedding = normal(randomKey(9), [77, 32]);
    const ctxOf = (d: LoadedDiffusion): DivaLossContext<ClipVisualParams> => ({
      visionTokens: clipVisionTokens(TINY_CLIP_CONFIG),
      diffusion: d.diffusion,
      condition: TINY_PRESET.condition,
      textEmbedding,
    });
    const full = await loadSd("float32");
    const half = await loadSd("float16");
    const lossGrad = (ctx: DivaLossContext<ClipVisualParams>) => valueAndGrad((p: DivaTrainable<ClipVisualParams>) => divaLoss(p, batch, ctx, kLoss))(trainable);
    const [l32, g32] = lossGrad(ctxOf(full.sd));
    const [l16, g16] = lossGrad(ctxOf(half.sd));
    const [a, b] = [(await l32.data())[0]!, (await l16.data())[0]!];
    // Tolerance: each frozen weight is rounded to float16, a relative change of at most u = 2^-11 (4.9e-4)
    // with independent signs; activations, accumulation, gradients and the loss are float32 in both runs. Each
    // layer's output then moves by about u relative, and the moves add in quadrature over the layers between
    // the condition and the loss (about 10 here): a few u. Measured: loss 3e-5, worst gradient 7.8e-4 (1.6 u).
    // The bound 4e-3 (8 u) keeps a margin of 5 and still fails bfloat16-like rounding (2^-8 per weight).
    // The runs must differ (the weights really are rounded) but only by that much.
    expect(a).not.toBe(b);
    expect(Math.abs(a - b) / Math.abs(a)).toBeLessThan(4e-3);
    const flat32 = flattenTree(g32 as object) as Record<string, Tensor>;
    const flat16 = flattenTree(g16 as object) as Record<string, Tensor>;
    expect(Object.keys(flat16)).toEqual(Object.keys(flat32));
    for (const [name, g] of Object.entries(flat16)) {
      expect(g.dtype, name).toBe("float32");
      const r = await relDiff(g, flat32[name]!);
      if (Array.from(await flat32[name]!.data()).some((v) => v !== 0)) expect(r, name).toBeLessThan(4e-3);
    }
    dispose([l32, l16, g32, g16]);

    // one optimizer step under mixed precision: parameters and SGD momentum float32
    let state: DivaState<ClipVisualParams> = { params: trainable, optimizer: sgdInit<DivaTrainable<ClipVisualParams>>(), step: 0 };
    const opts = { lr: 0.01, momentum: 0.9, clipNorm: 1, totalSteps: 2, warmupSteps: 0, draws: 2 };
    const r = await divaStep(state, [batch], ctxOf(half.sd), opts, kLoss);
    state = r.state;
    expect(Number.isFinite(r.loss)).toBe(true);
    for (const t of Object.values(flattenTree(state.params))) expect(t.dtype).toBe("float32");
    for (const t of Object.values(flattenTree(state.optimizer.momentum!))) expect(t.dtype).toBe("float32");
    dispose([state.params, state.optimizer.momentum, batch, textEmbedding, frozenClip]);
    full.sd.dispose();
    half.sd.dispose();
  });
});
