import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { mean, reshape, tensor, type Tensor } from "@diva/tensor";
import { evalMMVP, readMmvpBenchmark } from "../src/eval/mmvp.js";
import type { ClipForEval } from "../src/eval/clip-model.js";

const COLORS: Record<string, [number, number, number]> = { red: [255, 0, 0], green: [0, 255, 0], blue: [0, 0, 255], white: [255, 255, 255] };

/**
 * A "CLIP" that sees only the mean colour: image embedding = mean RGB, text embedding = the colour named in
 * the statement. It solves a pair exactly when the two images' colours differ as the statements say.
 */
const colourClip: ClipForEval = {
  imageSize: 4,
  normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
  encodeImage: (x: Tensor) => reshape(mean(x, [2, 3]), [x.shape[0]!, 3]),
  encodeText: (texts) =>
    tensor(
      texts.map((t) => {
        const name = Object.keys(COLORS).find((c) => t.includes(c)) ?? "white";
        return COLORS[name]!.map((v) => v / 255 + 0.01);
      }),
    ),
};

async function makeBenchmark(pairs: { type: string; a: [string, string]; b: [string, string] }[], folder = "MLLM_VLM Images"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "mmvp-"));
  const rows = ["Question ID,Type,Statement"];
  let id = 1;
  for (const p of pairs) {
    for (const [imgColour, statement] of [p.a, p.b]) {
      await mkdir(join(dir, folder, p.type), { recursive: true });
      const [r, g, b] = COLORS[imgColour]!;
      await sharp({ create: { width: 4, height: 4, channels: 3, background: { r, g, b } } }).png().toFile(join(dir, folder, p.type, `${id}.png`));
      rows.push(`${id},${p.type},"${statement}"`);
      id++;
    }
  }
  await writeFile(join(dir, "Questions.csv"), rows.join("\n"));
  return dir;
}

describe("evalMMVP", () => {
  it("scores pairs by the both-statements rule, per pattern and on average", async () => {
    const dir = await makeBenchmark([
      // solved: each statement's colour matches its own image
      { type: "Color and Appearance", a: ["red", "a red square, big"], b: ["blue", "a blue square"] },
      // not solved: the second statement names the first image's colour
      { type: "Color and Appearance", a: ["red", "a red square"], b: ["blue", "a red circle"] },
      // solved
      { type: "Texts", a: ["green", "green text"], b: ["red", "red text"] },
      // not solved: swapped
      { type: "Texts", a: ["green", "red text"], b: ["red", "green text"] },
    ]);
    const r = await evalMMVP(colourClip, dir);
    expect(r.perPattern).toEqual({ "Color and Appearance": 0.5, Texts: 0.5 });
    expect(r.average).toBe(0.5);
    expect(r.pairs.map((p) => p.solved)).toEqual([true, false, true, false]);
    // statements naming two different colours: cosine of (1.01, .01, .01) and (.01, .01, 1.01); the same colour: 1
    const different = (2 * 1.01 * 0.01 + 0.01 * 0.01) / (1.01 * 1.01 + 2 * 0.01 * 0.01);
    const sims = r.pairs.map((p) => p.statementSimilarity);
    for (const [got, want] of sims.map((v, i) => [v, [different, 1, different, different][i]!])) expect(got).toBeCloseTo(want!, 5);
    expect(r.statementSimilarity["Color and Appearance"]).toBeCloseTo((different + 1) / 2, 5);
    expect(r.statementSimilarity.Texts).toBeCloseTo(different, 5);
  });

  it("accepts the underscore folder name and reports missing files clearly", async () => {
    const dir = await makeBenchmark([{ type: "Texts", a: ["green", "green"], b: ["red", "red"] }], "MLLM_VLM_Images");
    expect((await readMmvpBenchmark(dir)).length).toBe(2);
    await expect(readMmvpBenchmark(join(dir, "nope"))).rejects.toThrow(/Questions.csv not found/);
    const broken = await makeBenchmark([{ type: "Texts", a: ["green", "green"], b: ["red", "red"] }]);
    await writeFile(join(broken, "Questions.csv"), "Question ID,Type,Statement\n1,Texts,a\n2,Texts,b\n3,Texts,c\n");
    await expect(readMmvpBenchmark(broken)).rejects.toThrow(/image for question 3 not found/);
  });
});
