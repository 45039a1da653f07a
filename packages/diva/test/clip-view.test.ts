/** The reference CLIP view: bilinear resize without antialiasing, checked against torch's interpolate. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { interpolateBilinear, resizeBilinear } from "../src/data/resize-bilinear.js";
import { divaViews } from "../src/data/preprocess.js";
import { randomKey } from "@diva/tensor";

interface Case {
  readonly shape: [number, number, number];
  readonly size: [number, number];
  readonly inputNumerators: number[];
  readonly expected: number[];
}

// made by scripts/fixtures/make-interpolate-fixture.py with torch.nn.functional.interpolate
const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "fixtures", "interpolate-bilinear.json"), "utf8")) as { cases: Case[] };

describe("interpolateBilinear", () => {
  for (const c of fixture.cases) {
    it(`matches torch interpolate(bilinear, align_corners=False, antialias=False) ${c.shape.join("x")} -> ${c.size.join("x")}`, () => {
      const [C, H, W] = c.shape;
      const x = Float32Array.from(c.inputNumerators, (k) => k / 64);
      const y = interpolateBilinear(x, C, H, W, c.size[0], c.size[1]);
      expect(y.length).toBe(c.expected.length);
      let worst = 0;
      for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i]! - c.expected[i]!));
      // float32 ulps: torch rounds at other points than this float64 evaluation
      expect(worst).toBeLessThan(5e-7);
    });
  }

  it("rejects data that does not fill the shape", () => {
    expect(() => interpolateBilinear(new Float32Array(5), 3, 2, 2, 1, 1)).toThrow(/5 values do not fill \[3, 2, 2\]/);
    expect(() => interpolateBilinear(new Float32Array(12), 3, 2, 2, 0, 1)).toThrow(/outH must be a positive integer/);
  });
});

describe("divaViews clipView", () => {
  const img = { width: 24, height: 20, data: Float32Array.from({ length: 3 * 24 * 20 }, (_, i) => ((i * 37) % 101) / 100) };

  it("reference: the CLIP view is the VAE view resized bilinearly", async () => {
    const v = await divaViews(img, randomKey(3), 16, 6, [0.9, 1], "reference");
    expect(v.clip).toEqual(resizeBilinear(v.vae, 6));
  });

  it("source-bicubic: the CLIP view is resized from the source crop", async () => {
    const v = await divaViews(img, randomKey(3), 16, 6, [0.9, 1], "source-bicubic");
    expect(v.clip.width).toBe(6);
    expect(v.clip).not.toEqual(resizeBilinear(v.vae, 6));
  });
});
