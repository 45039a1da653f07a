import { describe, expect, it } from "vitest";
import { concat, foldIn, mean, normal, randomKey, splitKey, zeros } from "@diva/tensor";
import { divaLoss, encodeLatents } from "../../objective.js";
import { heldOutLosses, perImageDivaLoss } from "./mechanism.js";
import { tinyNonlinearDiffusion, tinyVisionTokens } from "../../../test/fixtures/tiny-diffusion.js";

const k = splitKey(randomKey(11), 8);
const diffusion = tinyNonlinearDiffusion(k[0]!, k[1]!);
const ctx = {
  visionTokens: tinyVisionTokens,
  diffusion,
  condition: { kind: "clsRandomPatches", numPatches: 2, text: "mean" } as const,
  textEmbedding: zeros([5, 2]),
};
const params = { vision: { w: normal(k[2]!, [3, 4]) }, projection: { weight: normal(k[3]!, [2, 3]), bias: zeros([2]) } };
const clip = normal(k[4]!, [6, 3, 2, 2]);
const vae = normal(k[5]!, [6, 3, 2, 2]);

describe("held-out DIVA loss (mechanism check)", () => {
  it("the per-image loss averages to divaLoss with the same key", () => {
    const per = perImageDivaLoss(params, clip, encodeLatents(diffusion, vae), ctx, k[6]!);
    expect(per.shape).toEqual([6]);
    const avg = Array.from(per.dataSync()).reduce((a, b) => a + b, 0) / 6;
    expect(avg).toBeCloseTo(divaLoss(params, { clipImages: clip, vaeImages: vae }, ctx, k[6]!).dataSync()[0]!, 5);
  });

  it("uses fixed draws per chunk, and shuffled takes each condition from the next image of its chunk", async () => {
    const o = { key: k[7]!, draws: 2, chunk: 3 };
    const own = await heldOutLosses(params, clip, vae, ctx, { ...o, source: "own" });
    expect(await heldOutLosses(params, clip, vae, ctx, { ...o, source: "own" })).toEqual(own);
    // by hand: chunk 1 (images 3..5), draw 1, own condition
    const byHand = perImageDivaLoss(params, clip.slice([[3, 6]]), encodeLatents(diffusion, vae.slice([[3, 6]])), ctx, foldIn(foldIn(k[7]!, 1), 1));
    const draw0 = perImageDivaLoss(params, clip.slice([[3, 6]]), encodeLatents(diffusion, vae.slice([[3, 6]])), ctx, foldIn(foldIn(k[7]!, 1), 0));
    const expected = Array.from(byHand.dataSync(), (v, i) => (v + draw0.dataSync()[i]!) / 2);
    own.slice(3).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    // shuffled equals own on CLIP images rolled by one within each chunk
    const shuffled = await heldOutLosses(params, clip, vae, ctx, { ...o, source: "shuffled" });
    const roll = (a: number, b: number) => concat([clip.slice([[a + 1, b]]), clip.slice([[a, a + 1]])], 0);
    const rolled = await heldOutLosses(params, concat([roll(0, 3), roll(3, 6)], 0), vae, ctx, { ...o, source: "own" });
    shuffled.forEach((v, i) => expect(v).toBeCloseTo(rolled[i]!, 5));
    expect(shuffled).not.toEqual(own);
    // 7 images in chunks of 3: the lone last image joins the chunk before (3 + 4), so it too takes another image's condition
    const seven = normal(k[6]!, [7, 3, 2, 2]);
    const rolledLast = concat([seven.slice([[1, 3]]), seven.slice([[0, 1]]), seven.slice([[4, 7]]), seven.slice([[3, 4]])], 0);
    const a = await heldOutLosses(params, seven, seven, ctx, { key: k[7]!, draws: 1, chunk: 3, source: "shuffled" });
    const b = await heldOutLosses(params, rolledLast, seven, ctx, { key: k[7]!, draws: 1, chunk: 3, source: "own" });
    expect(a).toHaveLength(7);
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
  });
});
