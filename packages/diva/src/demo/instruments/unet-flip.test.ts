import { describe, expect, it } from "vitest";
import { div, mul, randomKey, sub, tensor, zeros, type Tensor } from "@diva/tensor";
import { DDPMScheduler } from "@diva/nn";
import { DEMO_SCHEDULER } from "../models/configs.js";
import { COLOUR_NAMES, diffScenes, fullCaptionFor, OBJECT_RGB, type ColourName } from "../world/index.js";
import { INSTRUMENT_PATTERNS, patternPairs } from "./pattern-samples.js";
import { captionFlipSamples, checkUnetFlip, flipTest, type CaptionDenoiser, type CaptionFlipSample } from "./unet-flip.js";

const scheduler = new DDPMScheduler(DEMO_SCHEDULER);
const acp = scheduler.alphasCumprod;
/** Per-row column [B, 1, 1, 1] of a function of each row's timestep. */
const perRow = (t: Tensor, f: (acp: number) => number) => tensor(Float32Array.from(t.dataSync(), (s) => f(acp[Number(s)]!)), { shape: [t.shape[0]!, 1, 1, 1] });

/**
 * A denoiser that knows one thing, object colour: its latent is the image's most frequent non-background colour
 * ([B, 3, 1, 1]), and it predicts the noise assuming the latent is the colour its caption names. With the true
 * colour word the prediction is exact; with another colour the error is alpha/(1-alpha) |z0 - colour|^2.
 */
function colourDenoiser(): CaptionDenoiser {
  return {
    timesteps: acp.length,
    latents: (images) => {
      const [b, , h, w] = images.shape as [number, number, number, number];
      const px = images.dataSync();
      const out = new Float32Array(b * 3);
      for (let i = 0; i < b; i++) {
        const at = (p: number) => [0, 1, 2].map((c) => px[((i * 3 + c) * h * w) + p]!).join(",");
        const background = at(0);
        const counts = new Map<string, number>();
        for (let p = 0; p < h * w; p++) if (at(p) !== background) counts.set(at(p), (counts.get(at(p)) ?? 0) + 1);
        const top = [...counts.entries()].sort((x, y) => y[1] - x[1])[0]![0].split(",").map(Number);
        out.set(top, i * 3);
      }
      return tensor(out, { shape: [b, 3, 1, 1] });
    },
    addNoise: (z0, noise, t) => scheduler.addNoise(z0, noise, t),
    predictNoise: (zt, t, captions) => {
      const named = captions.flatMap((c) => {
        const word = c.split(" ").find((w) => (COLOUR_NAMES as readonly string[]).includes(w)) as ColourName;
        return OBJECT_RGB[word].map((v) => Math.round(v * 255) / 255);
      });
      const z0 = tensor(Float32Array.from(named), { shape: [captions.length, 3, 1, 1] });
      return div(sub(zt, mul(z0, perRow(t, (a) => Math.sqrt(a)))), perRow(t, (a) => Math.sqrt(1 - a)));
    },
  };
}

/** A denoiser that predicts zero noise, plus `bias` everywhere for captions starting with "flipped". */
function biasDenoiser(bias: number, record?: { t: number[][]; zt: number[][] }): CaptionDenoiser {
  return {
    timesteps: acp.length,
    latents: (images) => zeros([images.shape[0]!, 4, 4, 4]),
    addNoise: (z0, noise, t) => scheduler.addNoise(z0, noise, t),
    predictNoise: (zt, t, captions) => {
      record?.t.push(Array.from(t.dataSync(), Number));
      record?.zt.push(Array.from(zt.dataSync()));
      const b = Float32Array.from(captions, (c) => (c.startsWith("flipped") ? bias : 0));
      return mul(tensor(b, { shape: [captions.length, 1, 1, 1] }), tensor(new Float32Array(64).fill(1), { shape: [1, 4, 4, 4] }));
    },
  };
}

const plainSamples = (n: number): CaptionFlipSample[] =>
  Array.from({ length: n }, (_, i) => ({ pixels: new Float32Array(3 * 4 * 4).fill(i / n), trueCaption: `true ${i}`, flippedCaption: `flipped ${i}` }));

describe("UNet caption flip check", () => {
  it("passes a denoiser that uses the colour word for the colour pattern only", async () => {
    const r = await checkUnetFlip(colourDenoiser(), {
      worldSeed: 9, imageSize: 16, imagesPerPattern: 40, batchSize: 16, patterns: ["Color and Appearance", "Orientation and Direction"],
    });
    const [colour, direction] = r.patterns;
    expect(colour!.attribute).toBe("colour");
    expect(colour!.images).toBe(40);
    expect(colour!.meanTrue).toBeLessThan(1e-4);
    expect(colour!.meanDifference).toBeGreaterThan(0.01);
    expect(colour!.p).toBeLessThan(0.001);
    expect(colour!.pass).toBe(true);
    // direction captions name the same colour, so both captions give exactly the same prediction
    expect(direction!.attribute).toBe("direction");
    expect(direction!.meanDifference).toBe(0);
    expect(direction!.t).toBe(0);
    expect(direction!.pass).toBe(false);
    expect(direction!.example.trueCaption).toMatch(/pointing (up|down|left|right)/);
    expect(r.pass).toBe(false);
    expect(r.timesteps).toEqual([50, 400]);
  });

  it("uses the same noise and timestep for both captions, within the timestep range", async () => {
    const record = { t: [] as number[][], zt: [] as number[][] };
    await flipTest(biasDenoiser(0.1, record), plainSamples(30), { imageSize: 4, key: randomKey(1), batchSize: 12, timesteps: [50, 400] });
    expect(record.t.length).toBe(3);
    for (const [k, ts] of record.t.entries()) {
      const m = ts.length / 2;
      expect(ts.slice(0, m)).toEqual(ts.slice(m));
      for (const t of ts) expect(t >= 50 && t <= 400).toBe(true);
      const zt = record.zt[k]!;
      expect(zt.slice(0, zt.length / 2)).toEqual(zt.slice(zt.length / 2));
    }
    expect(new Set(record.t.flat()).size).toBeGreaterThan(10);
  });

  it("detects a small caption effect through shared noise, and fails an effect in the wrong direction", async () => {
    // error difference per image = b^2 - 2 b mean(noise): mean 0.01, sd 0.025; with independent noise per caption the
    // spread of the errors themselves (sd about 0.25) would hide it
    const helps = await flipTest(biasDenoiser(0.1), plainSamples(200), { imageSize: 4, key: randomKey(2) });
    expect(helps.meanDifference).toBeGreaterThan(0.005);
    expect(helps.p).toBeLessThan(0.01);
    const again = await flipTest(biasDenoiser(0.1), plainSamples(200), { imageSize: 4, key: randomKey(2) });
    expect(again).toEqual(helps);
    // captions starting with "flipped" predict 0 here and the true ones get the bias: the true caption is worse
    const swapped = plainSamples(200).map((s) => ({ ...s, trueCaption: s.flippedCaption, flippedCaption: s.trueCaption }));
    const hurts = await flipTest(biasDenoiser(0.1), swapped, { imageSize: 4, key: randomKey(2) });
    expect(hurts.meanDifference).toBeCloseTo(-helps.meanDifference, 6);
    expect(hurts.p).toBeGreaterThan(0.99);
  });

  it("builds true and flipped captions from pairs that differ in the pattern's attribute alone", () => {
    for (const pattern of INSTRUMENT_PATTERNS) {
      const samples = captionFlipSamples(4, pattern, 5, 8);
      const pairs = patternPairs(4, "unet-flip", pattern, 3);
      expect(samples).toHaveLength(5);
      samples.forEach((s, i) => {
        const scene = pairs[i >> 1]!.scenes[i & 1]!;
        const partner = pairs[i >> 1]!.scenes[1 - (i & 1)]!;
        expect(s.trueCaption).toBe(fullCaptionFor(scene));
        expect(s.flippedCaption).toBe(fullCaptionFor(partner));
        expect(s.flippedCaption).not.toBe(s.trueCaption);
        expect(diffScenes(scene, partner)).toEqual([...pairs[i >> 1]!.changed].sort());
        expect(s.pixels).toHaveLength(3 * 8 * 8);
      });
    }
  });

  it("refuses a timestep range outside the schedule and too few images", async () => {
    await expect(flipTest(biasDenoiser(0), plainSamples(4), { imageSize: 4, key: randomKey(0), timesteps: [50, 1000] })).rejects.toThrow(/0 <= lo <= hi < 1000/);
    await expect(flipTest(biasDenoiser(0), plainSamples(1), { imageSize: 4, key: randomKey(0) })).rejects.toThrow(/at least 2 images/);
    await expect(flipTest(biasDenoiser(0), plainSamples(3), { imageSize: 5, key: randomKey(0) })).rejects.toThrow(/sample 0 has 48 values, expected 3x5x5/);
  });
});
