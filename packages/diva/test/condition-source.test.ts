import { describe, expect, it } from "vitest";
import { concat, mean, normal, randomKey, reshape, splitKey, sub, tensor, zeros, type Tensor } from "@diva/tensor";
import { sgdInit } from "@diva/nn";
import { conditionTokensFrom } from "../src/condition.js";
import { divaLoss, type FrozenDiffusion } from "../src/objective.js";
import { divaStep, type DivaState } from "../src/step.js";
import { tinyNonlinearDiffusion, tinyVisionTokens } from "./fixtures/tiny-diffusion.js";

/**
 * A hand-computable stand-in: the "latent" of image i is its VAE pixel x_i, the condition is its CLIP pixel c_i
 * (identity projection, zero text), the scheduler adds the noise to x0 and the UNet subtracts the condition, so
 * prediction - noise = x_i - c_src(i) and the loss is mean_i (x_i - c_src(i))^2 whatever the noise.
 */
const handDiffusion: FrozenDiffusion = {
  scalingFactor: 1,
  scheduler: { numTrainTimesteps: 1000, addNoise: (x0, noise) => x0.add(noise) },
  encodeMean: (images) => images,
  predictNoise: (zt, _t, cond) => sub(zt, reshape(mean(cond, [1, 2]), [zt.shape[0]!, 1, 1, 1])),
};
const handCtx = (source: "own" | "shuffled") => ({
  visionTokens: (_v: null, images: Tensor) => {
    const t = reshape(images, [images.shape[0]!, 1, 1]);
    return concat([t, t], 1); // class token and one patch token, both c_i
  },
  diffusion: handDiffusion,
  condition: { kind: "clsAllPatches", text: "mean" } as const,
  textEmbedding: zeros([1, 1]),
  conditionSource: source,
});
const identity = { weight: tensor([[1]]), bias: zeros([1]) };
const pixels = (v: number[]) => tensor(v, { shape: [v.length, 1, 1, 1] });

describe("condition source (placebo control)", () => {
  const batch = { vaeImages: pixels([1, 2, 5]), clipImages: pixels([3, 1, 2]) };
  const loss = (source: "own" | "shuffled") => divaLoss({ vision: null, projection: identity }, batch, handCtx(source), randomKey(0)).dataSync()[0]!;

  it("own: image i is conditioned on its own tokens", () => {
    // (1-3)^2 + (2-1)^2 + (5-2)^2 = 14
    expect(loss("own")).toBeCloseTo(14 / 3, 5);
  });

  it("shuffled: image i is conditioned on image (i+1)'s tokens (a derangement: roll by one)", () => {
    // c_src = [1, 2, 3]: (1-1)^2 + (2-2)^2 + (5-3)^2 = 4; rolling the other way would give 18 / 3
    expect(loss("shuffled")).toBeCloseTo(4 / 3, 5);
  });

  it("conditionTokensFrom rolls the batch by one and refuses a batch of one image", () => {
    const t = tensor([0, 1, 2, 3], { shape: [4, 1, 1] });
    expect(Array.from(conditionTokensFrom(t, "shuffled").dataSync())).toEqual([1, 2, 3, 0]);
    expect(conditionTokensFrom(t, "own")).toBe(t);
    expect(() => conditionTokensFrom(tensor([0], { shape: [1, 1, 1] }), "shuffled")).toThrow(/shuffled.*at least 2 images.*got 1/);
  });

  it("with a nonlinear stand-in, shuffled equals own on CLIP images rolled by one, and gradients still reach the vision tower", async () => {
    const k = splitKey(randomKey(5), 8);
    const diffusion = tinyNonlinearDiffusion(k[0]!, k[1]!);
    const visionTokens = tinyVisionTokens;
    const ctx = (source: "own" | "shuffled") => ({ visionTokens, diffusion, condition: { kind: "clsAllPatches", text: "mean" } as const, textEmbedding: zeros([5, 2]), conditionSource: source });
    const params = { vision: { w: normal(k[2]!, [3, 4]) }, projection: { weight: normal(k[3]!, [2, 3]), bias: zeros([2]) } };
    const clip = normal(k[4]!, [3, 3, 2, 2]);
    const vae = normal(k[5]!, [3, 3, 2, 2]);
    const rolled = concat([clip.slice([[1, 3]]), clip.slice([[0, 1]])], 0);
    const shuffled = divaLoss(params, { clipImages: clip, vaeImages: vae }, ctx("shuffled"), k[6]!).dataSync()[0]!;
    const ownRolled = divaLoss(params, { clipImages: rolled, vaeImages: vae }, ctx("own"), k[6]!).dataSync()[0]!;
    const own = divaLoss(params, { clipImages: clip, vaeImages: vae }, ctx("own"), k[6]!).dataSync()[0]!;
    expect(shuffled).toBeCloseTo(ownRolled, 5);
    expect(Math.abs(shuffled - own)).toBeGreaterThan(1e-4);
    const state: DivaState<{ w: Tensor }> = { params, optimizer: sgdInit(), step: 0 };
    const r = await divaStep(state, [{ clipImages: clip, vaeImages: vae }], ctx("shuffled"), { lr: 0.1, momentum: 0, clipNorm: 0, totalSteps: 10, warmupSteps: 0, draws: 1 }, k[7]!);
    expect(r.gradNorm).toBeGreaterThan(0);
  });
});
