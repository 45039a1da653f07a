import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { concat, mean, reshape, tensor, unsqueeze, type Tensor } from "@diva/tensor";
import type { ClipForEval } from "../src/eval/clip-model.js";
import { evalMMVP } from "../src/eval/mmvp.js";
import { evalMMVPSeeds } from "../src/eval/mmvp-seeds.js";
import { paperImageFeatures } from "../src/eval/paper-features.js";
import { clipResizeCenterCrop, evalResize } from "../src/data/image.js";
import { centerCropGeometry } from "../src/data/resize-geometry.js";
import type { PaperFeatures } from "../src/presets.js";

const COLORS: Record<string, [number, number, number]> = { red: [255, 0, 0], green: [0, 255, 0], blue: [0, 0, 255] };

async function makeBenchmark(pairs: { a: [string, string]; b: [string, string] }[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "mmvp-protocol-"));
  const type = "Color and Appearance";
  await mkdir(join(dir, "MLLM_VLM Images", type), { recursive: true });
  const rows = ["Question ID,Type,Statement"];
  let id = 1;
  for (const p of pairs) {
    for (const [colour, statement] of [p.a, p.b]) {
      const [r, g, b] = COLORS[colour]!;
      await sharp({ create: { width: 4, height: 4, channels: 3, background: { r, g, b } } }).png().toFile(join(dir, "MLLM_VLM Images", type, `${id}.png`));
      rows.push(`${id},${type},"${statement}"`);
      id++;
    }
  }
  await writeFile(join(dir, "Questions.csv"), rows.join("\n"));
  return dir;
}

/** Text embedding: the named colour (pure, no offset), so similarities to other pure colours tie exactly at 0. */
const colourText = (texts: readonly string[]) =>
  tensor(texts.map((t) => (COLORS[Object.keys(COLORS).find((c) => t.includes(c)) ?? "red"]!).map((v) => v / 255)));

describe("MMVP pair rule", () => {
  const clip: ClipForEval = {
    imageSize: 4,
    normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
    encodeImage: (x: Tensor) => reshape(mean(x, [2, 3]), [x.shape[0]!, 3]),
    encodeText: colourText,
  };

  it("counts a tie on statement 2 as correct and a tie on statement 1 as wrong, as the reference (p > 0.5 picks image 1)", async () => {
    const dir = await makeBenchmark([
      // statement 2 ("green") is as close to the red image as to the blue one: p(image 1) = 0.5, prediction image 2
      { a: ["red", "red"], b: ["blue", "green"] },
      // statement 1 ties: prediction image 2, wrong
      { a: ["red", "green"], b: ["blue", "blue"] },
    ]);
    const r = await evalMMVP(clip, dir);
    expect(r.pairs.map((p) => p.solved)).toEqual([true, false]);
  });
});

function fixedTokens(rows: number[][][]): ClipForEval {
  return {
    imageSize: 4,
    normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
    encodeImage: () => tensor(rows.map(() => [1, 1])),
    encodeText: () => tensor([[1, 0]]),
    visionTokens: () => tensor(rows),
    paperFeatures: { kind: "cls" },
  };
}

describe("paper features", () => {
  const tokens = [
    [
      [1, 100],
      [0, 3],
      [0, 4],
    ],
    [
      [2, 0],
      [6, 8],
      [0, 5],
    ],
  ];
  const x = tensor([0]);
  const with_ = (kind: PaperFeatures, patchTokens?: number): ClipForEval => ({ ...fixedTokens(tokens), paperFeatures: { kind, ...(patchTokens ? { patchTokens } : {}) } });

  it("cls: the class token", async () => {
    const f = paperImageFeatures(with_("cls"))(x) as Tensor;
    expect(await f.array()).toEqual([
      [1, 100],
      [2, 0],
    ]);
  });

  it("l2-cls-patch-mean: every token L2-normalised, then class + patch mean", async () => {
    const f = paperImageFeatures(with_("l2-cls-patch-mean"))(x) as Tensor;
    const n = Math.hypot(1, 100);
    const got = (await f.array()) as number[][];
    // image 0: cls / |cls| + mean([0, 1], [0, 1]); image 1: [1, 0] + mean([0.6, 0.8], [0, 1])
    const want = [
      [1 / n, 100 / n + 1],
      [1 + 0.3, 0.9],
    ];
    got.flat().forEach((v, i) => expect(v).toBeCloseTo(want.flat()[i]!, 6));
  });

  it("pooled: the standard embedding", async () => {
    const f = paperImageFeatures(with_("pooled"))(x) as Tensor;
    expect(await f.array()).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });

  it("cls-random-patch-mean: class + mean of patches drawn with replacement (never the class token), afresh per statement, seeded", async () => {
    const n = 76;
    const draw = async (seed: number) => {
      const fn = paperImageFeatures(with_("cls-random-patch-mean", n), { seed });
      const [a, b] = fn(x) as readonly [Tensor, Tensor];
      return [(await a.array()) as number[][], (await b.array()) as number[][]] as const;
    };
    const [s1, s2] = await draw(7);
    for (const f of [s1, s2]) {
      // image 0: patches [0,3] and [0,4]: second coordinate 100 + 3 + k/n for k draws of the second patch
      expect(f[0]![0]).toBe(1);
      const k = (f[0]![1]! - 103) * n;
      expect(k).toBeGreaterThan(0);
      expect(k).toBeLessThan(n);
      expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-3);
      // image 1: [2, 0] + (j [6, 8] + (n - j) [0, 5]) / n for j draws of the first patch
      const j = ((f[1]![0]! - 2) * n) / 6;
      expect(f[1]![1]).toBeCloseTo((8 * j + 5 * (n - j)) / n, 4);
    }
    expect(s1).not.toEqual(s2);
    expect(await draw(7)).toEqual([s1, s2]);
    expect((await draw(8))[0]).not.toEqual(s1);
  });

  it("refuses a CLIP without the paper feature or the tokens it needs", () => {
    const { paperFeatures: _p, ...plain } = with_("cls");
    expect(() => paperImageFeatures(plain)).toThrow(/has no paper feature/);
    const { visionTokens: _v, ...noTokens } = with_("cls");
    expect(() => paperImageFeatures(noTokens)).toThrow(/does not expose \(visionTokens\)/);
  });
});

describe("evalMMVP features", () => {
  /** Standard embedding constant; the class token is the mean colour: only paper features solve the pairs. */
  const clip = (kind: PaperFeatures): ClipForEval => ({
    imageSize: 4,
    normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
    encodeImage: (x: Tensor) => tensor(Array.from({ length: x.shape[0]! }, () => [1, 1, 1])),
    encodeText: colourText,
    visionTokens: (x: Tensor) => {
      const c = unsqueeze(reshape(mean(x, [2, 3]), [x.shape[0]!, 3]), 1);
      return concat([c, c, c], 1);
    },
    paperFeatures: { kind, patchTokens: 3 },
  });

  it("standard scores the image embedding, paper the preset's feature", async () => {
    const dir = await makeBenchmark([{ a: ["red", "red"], b: ["blue", "blue"] }]);
    expect((await evalMMVP(clip("cls"), dir)).average).toBe(0);
    expect((await evalMMVP(clip("cls"), dir, { features: "paper" })).average).toBe(1);
  });

  it("evalMMVPSeeds reports the mean and spread over seeds (one run for deterministic features)", async () => {
    const dir = await makeBenchmark([{ a: ["red", "red"], b: ["blue", "blue"] }]);
    const random = await evalMMVPSeeds(clip("cls-random-patch-mean"), dir, { seeds: 3 });
    expect(random.runs.map((r) => r.seed)).toEqual([0, 1, 2]);
    expect(random.average).toEqual({ mean: 1, std: 0, min: 1, max: 1 });
    const fixed = await evalMMVPSeeds(clip("cls"), dir, { seeds: 3 });
    expect(fixed.runs.length).toBe(1);
  });
});

describe("eval resize", () => {
  it("rounds like torchvision: long side truncated, crop offset rounded half to even", () => {
    // 10 * 32 / 13 = 24.6 -> 24 (not 25)
    expect(centerCropGeometry(32, 13, 10)).toEqual({ width: 24, height: 10, left: 7, top: 0 });
    // offsets (13 - 10) / 2 = 1.5 -> 2, (15 - 10) / 2 = 2.5 -> 2, (17 - 10) / 2 = 3.5 -> 4
    expect(centerCropGeometry(13, 10, 10).left).toBe(2);
    expect(centerCropGeometry(10, 15, 10).top).toBe(2);
    expect(centerCropGeometry(17, 10, 10).left).toBe(4);
    expect(() => centerCropGeometry(0, 10, 10)).toThrow(/positive integers/);
  });

  it("crops where torchvision's CenterCrop does", async () => {
    // 13 x 10, column c has value c / 12 in every channel: the crop must start at column 2
    const w = 13;
    const h = 10;
    const data = new Float32Array(3 * w * h).map((_, i) => (i % w) / 12);
    const out = await clipResizeCenterCrop({ width: w, height: h, data }, 10);
    expect(out.width).toBe(10);
    expect(Math.round(out.data[0]! * 12)).toBe(2);
  });

  it("squash resizes the whole image (SigLIP), shorter-side-crop cuts the sides", async () => {
    // 8 x 4: columns 0-1 green, 2-5 red, 6-7 blue
    const w = 8;
    const h = 4;
    const data = new Float32Array(3 * w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const c = x < 2 ? 1 : x < 6 ? 0 : 2;
        data[c * w * h + y * w + x] = 1;
      }
    const img = { width: w, height: h, data };
    const n = 16;
    const squashed = await evalResize(img, 4, "squash");
    const cropped = await evalResize(img, 4, "shorter-side-crop");
    // column 0 of the first row: green after squash, red after the crop
    expect(squashed.data[n]!).toBeGreaterThan(squashed.data[0]!);
    expect(cropped.data[0]).toBe(1);
    expect(cropped.data[n]).toBe(0);
  });
});
