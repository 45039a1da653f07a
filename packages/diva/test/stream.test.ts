import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ImageStream } from "../src/data/stream.js";
import { OPENAI_NORMALIZATION } from "../src/presets.js";

describe("ImageStream VAE input", () => {
  it("'reference' un-normalises the CLIP-normalised image with ImageNet statistics, as the reference code does", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stream-"));
    await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toFile(join(dir, "a.png"));
    const opts = { seed: 3, vaeSize: 4, clipSize: 4, cropScale: [0.9, 1] as const, normalization: OPENAI_NORMALIZATION };
    const clean = await (await ImageStream.open(dir, opts)).next(1);
    const ref = await (await ImageStream.open(dir, { ...opts, vaeInput: "reference" })).next(1);
    const c = clean.vaeImages.dataSync();
    const r = ref.vaeImages.dataSync();
    const imagenet = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    for (let i = 0; i < c.length; i++) {
      const ch = Math.floor(i / 16);
      const x01 = (c[i]! + 1) / 2;
      const xClip = (x01 - OPENAI_NORMALIZATION.mean[ch]!) / OPENAI_NORMALIZATION.std[ch]!;
      expect(r[i]).toBeCloseTo(2 * (xClip * imagenet.std[ch]! + imagenet.mean[ch]!) - 1, 5);
    }
    expect(Math.max(...Array.from(r, (v, i) => Math.abs(v - c[i]!)))).toBeGreaterThan(0.01);
  });
});
