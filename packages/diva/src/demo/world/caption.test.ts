import { describe, expect, it } from "vitest";
import { captionFor, fullCaptionFor, planCaption } from "./caption.js";
import { FINE_ATTRIBUTES, type FineAttribute } from "./describe.js";
import { createRng } from "./rng.js";
import { plainObject, sampleTrainingScene } from "./sample.js";
import type { Scene } from "./scene.js";
import { isOriented } from "./vocabulary.js";

const DETAIL_WORDS = /\b(pointing|dot|hollow|filled|striped|plain|letter|close-up|far away|background|left|right|above|below|two|three|small|large|centre|top|bottom)\b/;

function scenes(n: number, seed = 5): Scene[] {
  const rng = createRng(seed, "caption-test");
  return Array.from({ length: n }, () => sampleTrainingScene(rng));
}

describe("captions", () => {
  const pool = scenes(6000);

  it("mention each applicable fine attribute at the configured rate", () => {
    for (const p of [0.15, 0.5]) {
      const rng = createRng(9, p);
      const applicable = new Map<FineAttribute, number>();
      const mentioned = new Map<FineAttribute, number>();
      let colour = 0;
      for (const s of pool) {
        const plan = planCaption(s, { rng, detailProbability: p });
        for (const a of plan.applicable) applicable.set(a, (applicable.get(a) ?? 0) + 1);
        for (const a of plan.mentioned) mentioned.set(a, (mentioned.get(a) ?? 0) + 1);
        if (plan.mentions.has("colour")) colour++;
      }
      let totalA = 0;
      let totalM = 0;
      for (const a of FINE_ATTRIBUTES) {
        const n = applicable.get(a) ?? 0;
        expect(n, a).toBeGreaterThan(50);
        const rate = (mentioned.get(a) ?? 0) / n;
        expect(Math.abs(rate - p), `${a} at p=${p}`).toBeLessThan(4.5 * Math.sqrt((p * (1 - p)) / n));
        totalA += n;
        totalM += mentioned.get(a) ?? 0;
      }
      expect(Math.abs(totalM / totalA - p)).toBeLessThan(0.01);
      expect(Math.abs(colour / pool.length - 0.5)).toBeLessThan(0.03);
    }
  });

  it("shows fine detail in the text at the configured rate", () => {
    const rng = createRng(10);
    const oriented = pool.filter((s) => s.objects.length === 1 && isOriented(s.objects[0].kind));
    const withPointing = oriented.filter((s) => captionFor(s, { rng }).includes("pointing")).length;
    expect(Math.abs(withPointing / oriented.length - 0.15)).toBeLessThan(0.04);
  });

  it("say only the coarse content when detailProbability is 0", () => {
    const rng = createRng(11);
    for (const s of pool.slice(0, 1000)) {
      const c = captionFor(s, { rng, detailProbability: 0, colourProbability: 0 });
      expect(c).not.toMatch(DETAIL_WORDS);
      for (const o of s.objects) expect(c).toContain(o.kind);
    }
  });

  it("equal the full caption when every probability is 1", () => {
    const rng = createRng(12);
    for (const s of pool.slice(0, 500)) expect(captionFor(s, { rng, detailProbability: 1, colourProbability: 1 })).toBe(fullCaptionFor(s));
  });

  it("full captions name every attribute", () => {
    const s: Scene = {
      background: "white", view: "close-up", viewJitter: [0, 0],
      objects: [plainObject("triangle", "orange", { scale: "large", direction: "left", fill: "hollow", dot: true, position: "left" })],
    };
    expect(fullCaptionFor(s)).toBe(
      "a close-up of a large hollow plain orange triangle pointing left with a dot inside on the left on a white background",
    );
    const multi: Scene = {
      background: "black", view: "normal", viewJitter: [0, 0],
      objects: [
        plainObject("circle", "red", { scale: "small", position: "top left" }),
        plainObject("circle", "red", { scale: "small", position: "top" }),
        plainObject("star", "blue", { scale: "small", position: "bottom" }),
      ],
    };
    expect(fullCaptionFor(multi)).toBe("two small filled red circles and a small filled blue star on a black background");
  });
});
