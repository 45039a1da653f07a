import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildMmvpBenchmark } from "./benchmark.js";
import { toRgbBytes, type WorldImage } from "./image.js";
import { renderScene } from "./render.js";
import { clipPairStream, clipTrainingStream, diffusionPairStream, diffusionTrainingStream, divaImageStream, take } from "./streams.js";
import { diffScenes } from "./scene.js";
import { generateZeroShotSet } from "./zero-shot.js";

const hash = (img: WorldImage): string => createHash("sha256").update(toRgbBytes(img)).digest("hex");

describe("training streams", () => {
  it("are deterministic per seed", () => {
    const a = take(clipTrainingStream({ seed: 3 }), 20);
    const b = take(clipTrainingStream({ seed: 3 }), 20);
    expect(a.map((x) => x.caption)).toEqual(b.map((x) => x.caption));
    expect(a.map((x) => hash(x.image))).toEqual(b.map((x) => hash(x.image)));
    expect(take(divaImageStream({ seed: 3 }), 10).map(hash)).toEqual(take(divaImageStream({ seed: 3 }), 10).map(hash));
    expect(take(clipTrainingStream({ seed: 4 }), 20).map((x) => x.caption)).not.toEqual(a.map((x) => x.caption));
  });

  it("keep images fixed when only the caption options change", () => {
    const a = take(clipTrainingStream({ seed: 3, detailProbability: 0.15 }), 20);
    const b = take(clipTrainingStream({ seed: 3, detailProbability: 0.9 }), 20);
    expect(a.map((x) => hash(x.image))).toEqual(b.map((x) => hash(x.image)));
    expect(a.map((x) => x.caption)).not.toEqual(b.map((x) => x.caption));
  });

  it("draw different images for CLIP, diffusion and DIVA", () => {
    const clip = take(clipTrainingStream({ seed: 3 }), 50).map((x) => hash(x.image));
    const diff = take(diffusionTrainingStream({ seed: 3 }), 50).map((x) => hash(x.image));
    const diva = take(divaImageStream({ seed: 3 }), 50).map(hash);
    expect(new Set([...clip, ...diff, ...diva]).size).toBeGreaterThan(140);
  });

  it("never replay a benchmark or zero-shot image in DIVA's training images", () => {
    const held = new Set(buildMmvpBenchmark().items.map((it) => hash(renderScene(it.scene))));
    const zs = generateZeroShotSet({ perClass: 10 });
    for (const k of zs.classNames) for (const img of zs.images[k]) held.add(hash(img));
    for (const seed of [0, 1, 2]) {
      for (const img of take(divaImageStream({ seed }), 800)) expect(held.has(hash(img))).toBe(false);
    }
  });

  it("give full captions to the diffusion stream", () => {
    for (const { caption } of take(diffusionTrainingStream({ seed: 1 }), 20)) expect(caption).toMatch(/ on a (black|gray|white) background$/);
  });
});

describe("zero-shot set", () => {
  it("has perClass images per kind, of the kind, deterministically", () => {
    const a = generateZeroShotSet({ perClass: 6, size: 32 });
    const b = generateZeroShotSet({ perClass: 6, size: 32 });
    expect(a.classNames).toHaveLength(8);
    for (const k of a.classNames) {
      expect(a.images[k]).toHaveLength(6);
      expect(a.images[k][0].shape).toEqual([3, 32, 32]);
      for (const s of a.scenes[k]) expect(s.objects.map((o) => o.kind)).toEqual([k]);
      expect(a.images[k].map(hash)).toEqual(b.images[k].map(hash));
    }
    const kinds = new Set(a.classNames.flatMap((k) => a.scenes[k].map((s) => s.objects[0].colour)));
    expect(kinds.size).toBeGreaterThan(3);
  });
});

describe("the CLIP's near-duplicate pair stream", () => {
  it("yields two captioned images whose scenes differ only in one fine attribute and whose captions differ", () => {
    const pairs = take(clipPairStream({ seed: 11 }), 40);
    const seenPaths = new Set<string>();
    for (const [a, b] of pairs) {
      const changed = diffScenes(a.scene, b.scene);
      expect(changed.length).toBeGreaterThan(0);
      for (const p of changed) seenPaths.add(p.replace(/\[\d+\]/g, "[]"));
      expect(a.caption).not.toBe(b.caption);
      expect(hash(a.image)).not.toBe(hash(b.image));
    }
    // several patterns appear (the pattern is drawn per pair)
    expect(seenPaths.size).toBeGreaterThan(4);
    // deterministic per seed, and no pair is a benchmark pair of the same seed (different stream tag)
    expect(take(clipPairStream({ seed: 11 }), 5).map(([a]) => a.caption)).toEqual(pairs.slice(0, 5).map(([a]) => a.caption));
    const bench = new Set(buildMmvpBenchmark({ seed: 11 }).items.map((it) => JSON.stringify(it.scene)));
    for (const [a, b] of pairs) expect(bench.has(JSON.stringify(a.scene)) || bench.has(JSON.stringify(b.scene))).toBe(false);
  });
});

describe("the UNet's near-duplicate pair stream", () => {
  it("draws only from the named patterns, and rejects unknown or empty pattern lists", () => {
    const relation = take(diffusionPairStream({ seed: 5, patterns: ["Positional and Relational Context"] }), 12);
    for (const [a, b] of relation) {
      // a relation pair swaps the two objects' slots and changes nothing else
      expect(diffScenes(a.scene, b.scene).every((p) => /^objects\[[01]\]\.position$/.test(p))).toBe(true);
      expect(a.scene.objects).toHaveLength(2);
    }
    const all = take(diffusionPairStream({ seed: 5 }), 40);
    expect(new Set(all.flatMap(([a, b]) => diffScenes(a.scene, b.scene).map((p) => p.replace(/\[\d+\]/g, "[]")))).size).toBeGreaterThan(4);
    expect(() => take(diffusionPairStream({ seed: 5, patterns: ["Relations" as never] }), 1)).toThrow(/unknown pattern "Relations"/);
    expect(() => take(diffusionPairStream({ seed: 5, patterns: [] }), 1)).toThrow(/at least one pattern/);
  });
});
