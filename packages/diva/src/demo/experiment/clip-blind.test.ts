import { describe, expect, it } from "vitest";
import { loadDemoModels } from "../models/store.js";
import { candidatePairs } from "../world/index.js";
import { CLIP_BLIND_RULE, clipBlindSelector, pairScores, type ClipBlindStats } from "./clip-blind.js";

describe("CLIP-blind pair selection", () => {
  it("chooses the VAE-separated candidates with the highest CLIP cosine and reports what it saw", async () => {
    const models = await loadDemoModels();
    const sizes = { clip: 32, vae: 32 };
    const type = "Orientation and Direction" as const;
    const candidates = candidatePairs(type, 77, 10);
    const { clipCosine, vaeSeparation } = await pairScores(models, candidates, sizes, 4);
    expect(clipCosine).toHaveLength(10);
    for (const c of clipCosine) expect(c).toBeGreaterThan(-1.0001), expect(c).toBeLessThan(1.0001);
    for (const d of vaeSeparation) expect(d).toBeGreaterThan(0); // the two images of a pair always differ
    // a pair's cosine is the cosine of its own two images: swapping the images keeps it
    const swapped = candidates.map((p) => ({ ...p, scenes: [p.scenes[1], p.scenes[0]] as const }));
    const again = await pairScores(models, swapped, sizes, 3);
    again.clipCosine.forEach((c, i) => expect(c).toBeCloseTo(clipCosine[i]!, 4));

    const stats: Partial<Record<string, ClipBlindStats>> = {};
    const chosen = await clipBlindSelector(models, sizes, stats)(type, candidates, 4);
    const separated = clipCosine.map((c, i) => ({ c, i })).filter(({ i }) => vaeSeparation[i]! >= CLIP_BLIND_RULE.minVaeSeparation);
    const want = separated.sort((a, b) => b.c - a.c).slice(0, 4).map(({ i }) => i);
    if (separated.length >= 4) expect([...chosen].sort()).toEqual([...want].sort());
    expect(chosen).toHaveLength(4);
    expect(stats[type]!.candidates).toBe(10);
    expect(stats[type]!.vaeSeparated).toBe(separated.length);
    expect(stats[type]!.chosenClipCosineMin).toBeCloseTo(Math.min(...chosen.map((i) => clipCosine[i]!)), 6);
  }, 60_000);
});
