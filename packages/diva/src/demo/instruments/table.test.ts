import { describe, expect, it } from "vitest";
import type { InstrumentChecksReport } from "./index.js";
import { instrumentSummary, instrumentTables } from "./table.js";

const flip = (attribute: string, identicalCaptions: number, pass: boolean) => ({
  pattern: "Texts" as const, attribute, example: { trueCaption: "a", flippedCaption: "b" }, images: 500, draws: 1, identicalCaptions,
  meanTrue: 0.03, meanFlipped: 0.031, meanDifference: 0.001, sd: 0.01, t: 2.2, df: 499, p: 0.014, pass,
});

const report = (identical: number): InstrumentChecksReport => ({
  worldSeed: 7, imageSize: 32, pass: false, seconds: { vae: 1, unet: 1 },
  vae: {
    tolerance: 0.05, pass: false,
    attributes: [
      { pattern: "Texts", attribute: "glyph", classes: ["C", "E"], trainImages: 400, testImages: 300, chance: 0.5, originals: 0.6, reconstructions: 0.6, drop: 0, verdict: "inconclusive" },
      { pattern: "Color and Appearance", attribute: "colour", classes: ["blue", "red"], trainImages: 400, testImages: 300, chance: 0.5, originals: 1, reconstructions: 0.9, drop: 0.1, verdict: "fail" },
    ],
  },
  unet: { timesteps: [50, 400], alpha: 0.01, pass: false, patterns: [flip("glyph", identical, false)] },
});

describe("instrument tables", () => {
  it("prints one table per check that ran, with verdicts", () => {
    const text = instrumentTables(report(0));
    expect(text).toContain("Instrument checks on world seed 7 (diffusion images 32x32): NOT all pass");
    expect(text).not.toContain("Text separability");
    expect(text).toMatch(/\| glyph +\| +2 \| +400\/300 \| +50\.0 \| +60\.0 \| +60\.0 \| +0\.0 \| inconclusive \|/);
    expect(text).toMatch(/\| colour +\| .*\| +10\.0 \| +FAIL \|/);
    expect(text).toContain("at t 50-400");
    expect(text).toMatch(/\| glyph +\| +500 \| +30\.00 \| +31\.00 \| +1\.000 \| +2\.20 \| +0\.014 \| +FAIL \|/);
    expect(text).not.toContain("identical captions");
  });

  it("adds a column for captions the caption writer could not flip, when there are any", () => {
    expect(instrumentTables(report(12))).toMatch(/\| identical captions \|[\s\S]*\| +12 \| +FAIL \|/);
  });
});

describe("instrument summary (the demo report's lines)", () => {
  it("one line per check that ran; passed only when every pattern passed; inconclusive counts as not passed", () => {
    const lines = instrumentSummary({
      ...report(0),
      text: { threshold: 0.9, pass: false, patterns: [{ pattern: "Texts", cosine: 0.95, pass: false }, { pattern: "Viewpoint and Perspective", cosine: 0.5, pass: true }] },
    });
    expect(lines.map((l) => l.name)).toEqual(["text separability", "VAE fidelity", "UNet uses the attribute"]);
    expect(lines.every((l) => !l.passed)).toBe(true);
    expect(lines[0]!.detail).toBe("1 of 2 pass (statement cosine < 0.9, world 7); fail: Texts (0.950)");
    expect(lines[1]!.detail).toBe("0 of 2 pass (round trips within 5 points of originals, world 7); fail: glyph (60.0 vs 60.0%), colour (90.0 vs 100.0%)");
    expect(lines[2]!.detail).toBe("0 of 1 pass (caption flip, t 50-400, p < 0.01, world 7); fail: glyph");
    const allPass = instrumentSummary({ worldSeed: 7, imageSize: 32, pass: true, seconds: {}, unet: { timesteps: [50, 400], alpha: 0.01, pass: true, patterns: [flip("glyph", 0, true)] } });
    expect(allPass).toEqual([{ name: "UNet uses the attribute", passed: true, detail: "1 of 1 pass (caption flip, t 50-400, p < 0.01, world 7)" }]);
  });
});
