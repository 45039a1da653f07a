import { describe, expect, it } from "vitest";
import { zerosLike, type Tensor } from "@diva/tensor";
import { checkVaeFidelity, fidelityVerdict } from "./vae-fidelity.js";

// two attributes a small classifier reads quickly at 16x16 (colour: 6 classes, view: far vs close-up)
const small = {
  worldSeed: 5, imageSize: 16, trainPairs: 60, testPairs: 30, patterns: ["Color and Appearance", "Viewpoint and Perspective"],
  classifier: { steps: 120, channels: [8, 16, 16] as const, seed: 3 },
} as const;

describe("VAE fidelity check", () => {
  it("passes a perfect VAE (the identity) and fails one that blanks the image", async () => {
    const identity = await checkVaeFidelity((x: Tensor) => x, small);
    expect(identity.attributes.map((a) => a.attribute)).toEqual(["colour", "view"]);
    for (const a of identity.attributes) {
      expect(a.originals).toBeGreaterThan(0.9);
      expect(a.reconstructions).toBe(a.originals);
      expect(a.verdict).toBe("pass");
      expect(a.trainImages).toBe(120);
      expect(a.testImages).toBe(60);
    }
    expect(identity.pass).toBe(true);
    const colour = identity.attributes[0]!;
    expect(colour.classes).toEqual(["blue", "green", "orange", "purple", "red", "yellow"]);
    expect(colour.chance).toBeGreaterThan(1 / 6 - 1e-9);
    expect(colour.chance).toBeLessThan(0.5);
    expect(identity.attributes[1]!.chance).toBe(0.5);

    const blank = await checkVaeFidelity((x: Tensor) => zerosLike(x), small);
    for (const a of blank.attributes) {
      // the same classifier (same seed, same training images) now sees one constant image: one class for all
      expect(a.originals).toBe(identity.attributes.find((b) => b.attribute === a.attribute)!.originals);
      expect(a.reconstructions).toBeLessThanOrEqual(a.chance + 1e-9);
      expect(a.verdict).toBe("fail");
    }
    expect(blank.pass).toBe(false);
  });

  it("rejects a round trip that changes the shape, and unknown patterns", async () => {
    await expect(checkVaeFidelity((x: Tensor) => x.reshape([x.shape[0]!, -1]), { ...small, patterns: ["Viewpoint and Perspective"], trainPairs: 2, testPairs: 2, classifier: { steps: 1 } }))
      .rejects.toThrow(/round trip returned \[4, 768\] for images \[4, 3, 16, 16\]/);
    await expect(checkVaeFidelity((x: Tensor) => x, { ...small, patterns: ["Colour"] })).rejects.toThrow(/unknown pattern "Colour"/);
  });

  it("calls a weak reading of the originals inconclusive, not a pass", () => {
    expect(fidelityVerdict(0.5, 0.98, 0.95, 0.05)).toBe("pass");
    expect(fidelityVerdict(0.5, 0.98, 0.92, 0.05)).toBe("fail");
    expect(fidelityVerdict(0.5, 0.6, 0.6, 0.05)).toBe("inconclusive");
    expect(fidelityVerdict(1 / 8, 0.6, 0.6, 0.05)).toBe("pass");
  });
});
