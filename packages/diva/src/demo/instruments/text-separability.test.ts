import { describe, expect, it } from "vitest";
import { ones, tensor } from "@diva/tensor";
import type { ClipForEval } from "../../eval/clip-model.js";
import { OPENAI_NORMALIZATION } from "../../presets.js";
import { hashString } from "../world/index.js";
import { checkTextSeparability, textSeparability } from "./text-separability.js";

const DIM = 4096;

/** A fake CLIP whose text embedding is a one-hot of a hash of the whole text (blind: the same vector for every text). */
function fakeClip(blind: boolean): ClipForEval {
  return {
    imageSize: 8,
    normalization: OPENAI_NORMALIZATION,
    encodeImage: (x) => ones([x.shape[0]!, DIM]),
    encodeText: (texts) => {
      const out = new Float32Array(texts.length * DIM);
      texts.forEach((t, i) => (out[i * DIM + (blind ? 0 : hashString(t) % DIM)] = 1));
      return tensor(out, { shape: [texts.length, DIM] });
    },
  };
}

describe("text separability check", () => {
  it("passes a pattern strictly below the threshold", () => {
    const r = textSeparability({ "Texts": 0.5, "Color and Appearance": 0.9, "Quantity and Count": 0.95 });
    expect(r.threshold).toBe(0.9);
    expect(r.patterns.map((p) => [p.pattern, p.pass])).toEqual([["Texts", true], ["Color and Appearance", false], ["Quantity and Count", false]]);
    expect(r.pass).toBe(false);
    expect(textSeparability({ Texts: 0.2 }).pass).toBe(true);
    expect(() => textSeparability({})).toThrow(/no patterns/);
    expect(() => textSeparability({ Texts: NaN })).toThrow(/"Texts" is NaN/);
  });

  it("measures the statements of a generated benchmark through evalMMVP", async () => {
    // a text tower that tells every statement apart (orthogonal embeddings) passes every pattern
    const seeing = await checkTextSeparability(fakeClip(false), { worldSeed: 3, pairsPerPattern: 2 });
    expect(seeing.patterns).toHaveLength(9);
    for (const p of seeing.patterns) expect(p.cosine).toBeCloseTo(0, 6);
    expect(seeing.pass).toBe(true);
    // a text tower that maps every statement to one vector fails every pattern
    const blind = await checkTextSeparability(fakeClip(true), { worldSeed: 3, pairsPerPattern: 2 });
    for (const p of blind.patterns) expect(p.cosine).toBeCloseTo(1, 6);
    expect(blind.patterns.every((p) => !p.pass)).toBe(true);
    expect(blind.pass).toBe(false);
  });
});
