import { describe, expect, it } from "vitest";
import { countDifferences, toRgbBytes } from "./image.js";
import { objectCentre, objectRadius } from "./layout.js";
import { decodePng, encodePng } from "./png.js";
import { renderScene } from "./render.js";
import { createRng } from "./rng.js";
import { plainObject, sampleTrainingScene } from "./sample.js";
import type { Scene, WorldObject } from "./scene.js";
import { DIRECTION_NAMES, SHAPE_KINDS } from "./vocabulary.js";

const one = (object: WorldObject, background: Scene["background"] = "gray"): Scene =>
  ({ background, view: "normal", viewJitter: [0, 0], objects: [object] });

describe("renderScene", () => {
  it("renders CHW images of the requested size with 8-bit levels", () => {
    for (const size of [32, 17]) {
      const img = renderScene(one(plainObject("star", "red")), { size });
      expect(img.shape).toEqual([3, size, size]);
      expect(img.data.length).toBe(3 * size * size);
      for (const v of img.data) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        expect(Math.abs(v * 255 - Math.round(v * 255))).toBeLessThan(1e-4);
      }
    }
  });

  it("gives every kind a distinct image and every oriented direction a distinct image", () => {
    const images = SHAPE_KINDS.map((k) => renderScene(one(plainObject(k, "blue"))));
    for (let i = 0; i < images.length; i++) {
      for (let j = i + 1; j < images.length; j++) expect(countDifferences(images[i], images[j])).toBeGreaterThan(10);
    }
    for (const kind of ["arrow", "triangle"] as const) {
      const dirs = DIRECTION_NAMES.map((direction) => renderScene(one(plainObject(kind, "red", { direction }))));
      for (let i = 0; i < dirs.length; i++) {
        for (let j = i + 1; j < dirs.length; j++) expect(countDifferences(dirs[i], dirs[j])).toBeGreaterThan(10);
      }
    }
  });

  it("shows each fine detail in the pixels", () => {
    const base = plainObject("square", "green", { scale: "large" });
    const ref = renderScene(one(base));
    for (const change of [{ dot: true }, { fill: "hollow" }, { pattern: "striped" }, { glyph: "T" }] as const) {
      expect(countDifferences(ref, renderScene(one({ ...base, ...change })))).toBeGreaterThan(5);
    }
    expect(countDifferences(
      renderScene(one({ ...base, glyph: "T" })), renderScene(one({ ...base, glyph: "L" })),
    )).toBeGreaterThan(5);
  });

  it("paints the background where there are no objects and antialiases edges", () => {
    const img = renderScene({ background: "black", view: "normal", viewJitter: [0, 0], objects: [] });
    expect(new Set(img.data).size).toBe(1);
    const aa = renderScene(one(plainObject("circle", "red")), { samples: 4 });
    const hard = renderScene(one(plainObject("circle", "red")), { samples: 1 });
    expect(new Set(aa.data).size).toBeGreaterThan(new Set(hard.data).size);
  });

  it("is deterministic and survives a PNG round trip exactly", async () => {
    const scene = sampleTrainingScene(createRng(3));
    const a = renderScene(scene);
    expect(countDifferences(a, renderScene(scene))).toBe(0);
    const png = await encodePng(a);
    expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
    expect((await encodePng(a)).equals(png)).toBe(true);
    const back = await decodePng(png);
    expect(back.shape).toEqual(a.shape);
    expect(Array.from(toRgbBytes(back))).toEqual(Array.from(toRgbBytes(a)));
    expect(countDifferences(a, back)).toBe(0);
  });
});

describe("layout", () => {
  it("keeps objects inside the frame and apart in sampled scenes", () => {
    const rng = createRng(11, "layout");
    for (let i = 0; i < 2000; i++) {
      const scene = sampleTrainingScene(rng);
      const geo = scene.objects.map((o) => ({ c: objectCentre(o), r: objectRadius(o) }));
      for (const { c, r } of geo) {
        expect(c[0] - r).toBeGreaterThan(0);
        expect(c[0] + r).toBeLessThan(1);
        expect(c[1] - r).toBeGreaterThan(0);
        expect(c[1] + r).toBeLessThan(1);
      }
      for (let a = 0; a < geo.length; a++) {
        for (let b = a + 1; b < geo.length; b++) {
          const d = Math.hypot(geo[a].c[0] - geo[b].c[0], geo[a].c[1] - geo[b].c[1]);
          expect(d).toBeGreaterThan(geo[a].r + geo[b].r);
        }
      }
    }
  });
});
