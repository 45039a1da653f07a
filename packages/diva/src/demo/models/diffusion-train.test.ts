import { describe, expect, it } from "vitest";
import { flattenTree, randomKey } from "@diva/tensor";
import { initClipText, initUNet, initVAE } from "@diva/nn";
import { BACKGROUND_RGB, diffusionPairStream, diffusionTrainingStream, fullCaptionFor, take } from "../world/index.js";
import { TINY_UNET_CONFIG, TINY_VAE_CONFIG } from "./configs.js";
import { fineTuneVaeDecoder, foregroundWeights, trainTinyUnet } from "./diffusion-train.js";
import { WordTokenizer } from "./tokenizer.js";

describe("VAE training helpers", () => {
  it("foregroundWeights weighs exactly the pixels that differ from the scene's background colour", async () => {
    const items = take(diffusionTrainingStream({ seed: 4 }), 6);
    const w = await foregroundWeights(items, 3).data();
    const n = 32 * 32;
    items.forEach((it, b) => {
      const bg = BACKGROUND_RGB[it.scene.background];
      let objectPixels = 0;
      for (let i = 0; i < n; i++) {
        const same = [0, 1, 2].every((c) => Math.abs(it.image.data[c * n + i]! - bg[c]!) <= 0.02);
        expect(w[b * n + i]).toBe(same ? 1 : 4);
        if (!same) objectPixels++;
      }
      expect(objectPixels).toBeGreaterThan(0); // every training scene has an object
      expect(objectPixels).toBeLessThan(n);
    });
  });

  it("the decoder fine-tune changes the decoder only (the encoder, and so the latent space, stays bit for bit)", async () => {
    const vae = initVAE(randomKey(2), TINY_VAE_CONFIG);
    const before = flattenTree(vae);
    const beforeData = Object.fromEntries(await Promise.all(Object.entries(before).map(async ([k, t]) => [k, Float32Array.from(await t.data())] as const)));
    const losses: number[] = [];
    const snapshotKeys: string[][] = [];
    const tuned = await fineTuneVaeDecoder(vae, TINY_VAE_CONFIG, {
      seed: 1, steps: 2, batchSize: 2, lr: 1e-3, onStep: (_, l) => losses.push(l),
      snapshotEvery: 1, onSnapshot: async (p) => void snapshotKeys.push(Object.keys(flattenTree(p as never)).sort()),
    });
    // a snapshot is a whole VAE (a file written from it loads), not only the trained decoder
    expect(snapshotKeys).toHaveLength(2);
    for (const keys of snapshotKeys) expect(keys).toEqual(Object.keys(before).sort());
    expect(losses).toHaveLength(2);
    for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    const after = flattenTree(tuned);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    let decoderChanged = 0;
    for (const [k, t] of Object.entries(after)) {
      const same = (await t.data()).every((v, i) => v === beforeData[k]![i]);
      if (k.startsWith("encoder.") || k.startsWith("quant_conv.")) expect(same, k).toBe(true);
      else if (!same) decoderChanged++;
    }
    expect(decoderChanged).toBeGreaterThan(0);
  }, 60_000);

  it("the UNet's token-identity loss adds w x cross-entropy of each condition token against its own word", async () => {
    const vae = initVAE(randomKey(2), TINY_VAE_CONFIG);
    const texts = take(diffusionTrainingStream({ seed: 7 }), 40).map((c) => c.caption);
    const tokenizer = WordTokenizer.fromTexts(texts, 24);
    const firstLoss = async (tokenLossWeight: number) => {
      const losses: number[] = [];
      const trained = await trainTinyUnet(vae, { ...TINY_VAE_CONFIG, scaling_factor: 1 }, tokenizer, { seed: 3, steps: 1, batchSize: 4, datasetSize: 8, lr: 1e-3, tokenLossWeight, onStep: (_, l) => losses.push(l) });
      for (const t of Object.values(flattenTree(trained))) t.dispose();
      return losses[0]!;
    };
    const plain = await firstLoss(0);
    const withTokens = await firstLoss(0.5);
    // at init the token embedding has std 0.02, so every logit is near 0 and the cross-entropy near ln(vocabulary)
    expect((withTokens - plain) / 0.5).toBeGreaterThan(Math.log(tokenizer.vocabSize) - 0.3);
    expect((withTokens - plain) / 0.5).toBeLessThan(Math.log(tokenizer.vocabSize) + 0.3);
    await expect(firstLoss(-1)).rejects.toThrow(/tokenLossWeight/);
  }, 60_000);

  it("the caption-contrast term adds the pair images' own error and weight x the hinge (own - partner's + margin)", async () => {
    const vae = initVAE(randomKey(2), TINY_VAE_CONFIG);
    const texts = [...take(diffusionTrainingStream({ seed: 7 }), 40), ...take(diffusionPairStream({ seed: 3 }), 40).flat()].map((c) => c.caption);
    const tokenizer = WordTokenizer.fromTexts(texts, 24);
    const firstLoss = async (pairContrast?: { weight: number; margin: number; pairsPerStep: number; datasetPairs: number; timesteps?: [number, number] }) => {
      const losses: number[] = [];
      const trained = await trainTinyUnet(vae, { ...TINY_VAE_CONFIG, scaling_factor: 1 }, tokenizer, { seed: 3, steps: 1, batchSize: 4, datasetSize: 8, lr: 1e-3, ...(pairContrast ? { pairContrast } : {}), onStep: (_, l) => losses.push(l) });
      for (const t of Object.values(flattenTree(trained))) t.dispose();
      return losses[0]!;
    };
    const base = { pairsPerStep: 2, datasetPairs: 4 };
    // a margin far above any error difference keeps every hinge active, so the term is linear in margin and weight
    const m10 = await firstLoss({ ...base, weight: 1, margin: 10 });
    const m9 = await firstLoss({ ...base, weight: 1, margin: 9 });
    const w2 = await firstLoss({ ...base, weight: 2, margin: 10 });
    const w0 = await firstLoss({ ...base, weight: 0, margin: 10 });
    const plain = await firstLoss();
    expect(m10 - m9).toBeCloseTo(1, 3);
    expect(w2 - w0).toBeCloseTo(2 * (m10 - w0), 3);
    // weight 0 still adds the pair images' own denoising error (about 1 for unit noise at init)
    expect(w0 - plain).toBeGreaterThan(0.3);
    await expect(firstLoss({ ...base, weight: 1, margin: -1 })).rejects.toThrow(/pairContrast/);
    // the pairs' timesteps: at t = 0 the noisy latent is the clean one, so both captions' errors differ from t = 999's
    const late = await firstLoss({ ...base, weight: 0, margin: 10, timesteps: [999, 999] });
    const early = await firstLoss({ ...base, weight: 0, margin: 10, timesteps: [0, 0] });
    expect(late).not.toBeCloseTo(early, 3);
    await expect(firstLoss({ ...base, weight: 1, margin: 10, timesteps: [0, 1000] })).rejects.toThrow(/pairContrast\.timesteps/);
  }, 60_000);
});

describe("the UNet's text encoder", () => {
  it("freezeText keeps the text encoder bit for bit (a given encoder, here 3 layers) while the UNet trains", async () => {
    const vae = initVAE(randomKey(2), TINY_VAE_CONFIG);
    const texts = take(diffusionTrainingStream({ seed: 7 }), 40).map((c) => c.caption);
    const tokenizer = WordTokenizer.fromTexts(texts, 24);
    const textConfig = { embed_dim: 64, quick_gelu: true, text_cfg: { context_length: 24, vocab_size: tokenizer.vocabSize, width: 64, heads: 4, layers: 3 } };
    const train = async (freezeText: boolean) => {
      const init = { unet: initUNet(randomKey(4), TINY_UNET_CONFIG), text: initClipText(randomKey(5), textConfig) };
      const before = Object.fromEntries(await Promise.all(Object.entries(flattenTree(init)).map(async ([k, t]) => [k, Array.from(await t.data())] as const)));
      const trained = await trainTinyUnet(vae, { ...TINY_VAE_CONFIG, scaling_factor: 1 }, tokenizer, { seed: 3, steps: 2, batchSize: 4, datasetSize: 8, lr: 1e-2, init, textConfig, freezeText });
      const changed = { text: 0, unet: 0 };
      for (const [k, t] of Object.entries(flattenTree(trained))) {
        if (!(await t.data()).every((v, i) => v === before[k]![i])) changed[k.startsWith("text.") ? "text" : "unet"]++;
        t.dispose();
      }
      return changed;
    };
    const frozen = await train(true);
    expect(frozen.text).toBe(0);
    expect(frozen.unet).toBeGreaterThan(10);
    expect((await train(false)).text).toBeGreaterThan(10);
  }, 60_000);
});

describe("diffusionPairStream", () => {
  it("yields two scenes with full captions, which mostly differ (the contrast skips pairs whose captions are the same)", () => {
    const pairs = take(diffusionPairStream({ seed: 5 }), 30);
    for (const [a, b] of pairs) {
      expect(a.caption).toBe(fullCaptionFor(a.scene));
      expect(b.caption).toBe(fullCaptionFor(b.scene));
    }
    expect(pairs.filter(([a, b]) => a.caption !== b.caption).length).toBeGreaterThan(20);
  });
});
