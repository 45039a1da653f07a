import { describe, expect, it } from "vitest";
import {
  getBackend,
  linear,
  mean,
  memory,
  normal,
  randomKey,
  relu,
  reshape,
  splitKey,
  tensor,
  tidy,
  valueAndGrad,
  zeros,
  type Tensor,
} from "@diva/tensor";
import { divaLoss, type FrozenDiffusion } from "../src/objective.js";
import { divaStep, drawWeight, type DivaState } from "../src/step.js";
import { DDPMScheduler, SD21_BASE_SCHEDULER_CONFIG, sgdInit } from "@diva/nn";

const k = splitKey(randomKey(3), 8);

/** A stand-in diffusion model with real weights: the test checks none of them gets a gradient. */
function standInDiffusion(): FrozenDiffusion & { weights: Tensor[] } {
  const w1 = normal(k[0]!, [6, 6]);
  const w2 = normal(k[1]!, [4, 6]);
  return {
    weights: [w1, w2],
    scalingFactor: 0.5,
    scheduler: new DDPMScheduler(SD21_BASE_SCHEDULER_CONFIG),
    encodeMean: (images) => reshape(mean(images, 1), [images.shape[0]!, 1, images.shape[2]!, images.shape[3]!]),
    predictNoise: (latents, _t, cond) => {
      // latents [B,1,2,2] -> [B,4]; mix with the condition's mean token through two frozen layers
      const B = latents.shape[0]!;
      const c = mean(cond, 1); // [B, 2]
      const h = relu(linear(reshape(latents, [B, 4]).add(0), w1.slice([[0, 6], [0, 4]])).add(linear(c, w1.slice([[0, 6], [4, 6]]))));
      return reshape(linear(h, w2), [B, 1, 2, 2]);
    },
  };
}

const visionTokens = (v: { w: Tensor }, images: Tensor): Tensor => {
  const B = images.shape[0]!;
  const flat = reshape(images, [B, 3, 4]); // 3 "tokens" of 4 pixels
  return linear(flat, v.w); // [B, 3, 3]
};

describe("divaLoss", () => {
  it("gradients reach exactly the vision parameters and the projection, and no kernel works on frozen weights", () => {
    const diff = standInDiffusion();
    const trainable = { vision: { w: normal(k[2]!, [3, 4]) }, projection: { weight: normal(k[3]!, [2, 3]), bias: zeros([2]) } };
    const batch = { clipImages: normal(k[4]!, [2, 3, 2, 2]), vaeImages: normal(k[5]!, [2, 3, 2, 2]) };
    const ctx = { visionTokens, diffusion: diff, condition: { kind: "clsAllPatches", text: "mean" } as const, textEmbedding: zeros([5, 2]) };
    // count matmuls whose operands include a frozen weight's storage in the backward pass
    const cpu = getBackend("cpu");
    const original = cpu.kernels.matmul;
    let backwardMatmuls = 0;
    let inBackward = false;
    (cpu.kernels as { matmul: typeof original }).matmul = (inputs, attrs, out) => {
      if (inBackward) backwardMatmuls++;
      return original(inputs, attrs, out);
    };
    try {
      const [loss, g] = valueAndGrad((p: typeof trainable) => {
        const l = divaLoss(p, batch, ctx, k[6]!);
        inBackward = true;
        return l;
      })(trainable);
      inBackward = false;
      expect(Object.keys(g)).toEqual(["vision", "projection"]);
      expect(Object.keys(g.projection)).toEqual(["weight", "bias"]);
      expect(g.vision.w.shape).toEqual([3, 4]);
      expect(Array.from(g.vision.w.dataSync()).some((x) => x !== 0)).toBe(true);
      expect(Number.isFinite(loss.dataSync()[0]!)).toBe(true);
      // backward matmuls: 3 through the frozen layers to activations (w2, two halves of w1), the projection's
      // two (input and weight), vision's weight gradient and nothing for the frozen w1/w2 weights
      expect(backwardMatmuls).toBe(5);
    } finally {
      (cpu.kernels as { matmul: typeof original }).matmul = original;
    }
  });

  it("is a pure function of its key", () => {
    const diff = standInDiffusion();
    const trainable = { vision: { w: normal(k[2]!, [3, 4]) }, projection: { weight: normal(k[3]!, [2, 3]), bias: zeros([2]) } };
    const batch = { clipImages: normal(k[4]!, [2, 3, 2, 2]), vaeImages: normal(k[5]!, [2, 3, 2, 2]) };
    const ctx = { visionTokens, diffusion: diff, condition: { kind: "clsRandomPatches", numPatches: 2, text: "mean" } as const, textEmbedding: zeros([5, 2]) };
    const a = divaLoss(trainable, batch, ctx, k[6]!).dataSync()[0];
    const b = divaLoss(trainable, batch, ctx, k[6]!).dataSync()[0];
    const c = divaLoss(trainable, batch, ctx, k[7]!).dataSync()[0];
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});

describe("divaStep", () => {
  it("lowers the loss over steps and keeps the live-tensor count flat", async () => {
    const diff = standInDiffusion();
    const ctx = { visionTokens, diffusion: diff, condition: { kind: "clsAllPatches", text: "mean" } as const, textEmbedding: zeros([5, 2]) };
    const batch = { clipImages: normal(k[4]!, [4, 3, 2, 2]), vaeImages: normal(k[5]!, [4, 3, 2, 2]) };
    let state: DivaState<{ w: Tensor }> = {
      params: { vision: { w: normal(k[2]!, [3, 4]) }, projection: { weight: normal(k[3]!, [2, 3]), bias: zeros([2]) } },
      optimizer: sgdInit<{ vision: { w: Tensor }; projection: { weight: Tensor; bias: Tensor } }>(),
      step: 0,
    };
    const opts = { lr: 0.05, momentum: 0.9, clipNorm: 1, totalSteps: 30, warmupSteps: 1, draws: 2 };
    const losses: number[] = [];
    const counts: number[] = [];
    // a fixed key per step makes the noise identical across steps, so the loss must fall
    for (let s = 0; s < 30; s++) {
      const r = await divaStep(state, [batch, batch], ctx, opts, randomKey(1));
      state = r.state;
      losses.push(r.loss);
      counts.push(memory().tensors);
    }
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.8);
    expect(new Set(counts.slice(2)).size).toBe(1);
  });

  it("projectionLrScale multiplies the projection's update only, after clipping, and frees what it replaces", async () => {
    const diff = standInDiffusion();
    const ctx = { visionTokens, diffusion: diff, condition: { kind: "clsAllPatches", text: "mean" } as const, textEmbedding: zeros([5, 2]) };
    const batch = { clipImages: normal(k[4]!, [4, 3, 2, 2]), vaeImages: normal(k[5]!, [4, 3, 2, 2]) };
    const start = (): DivaState<{ w: Tensor }> => ({
      params: { vision: { w: normal(k[2]!, [3, 4]) }, projection: { weight: normal(k[3]!, [2, 3]), bias: zeros([2]) } },
      optimizer: sgdInit<{ vision: { w: Tensor }; projection: { weight: Tensor; bias: Tensor } }>(),
      step: 1,
    });
    // a tiny clip norm makes clipping active: the scale must act on the clipped gradient
    const opts = { lr: 0.1, momentum: 0, clipNorm: 1e-3, totalSteps: 10, warmupSteps: 0, draws: 1 };
    const a0 = start();
    const b0 = start();
    const before = { w: await a0.params.vision.w.data(), pw: await a0.params.projection.weight.data() };
    const live0 = memory().tensors;
    const plain = await divaStep(a0, [batch], ctx, opts, randomKey(3));
    const live1 = memory().tensors;
    const scaled = await divaStep(b0, [batch], ctx, { ...opts, projectionLrScale: 7 }, randomKey(3));
    expect(memory().tensors - live1).toBe(live1 - live0); // the scaled step leaves no more live tensors than the plain one
    const dw = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a, (x, i) => x - b[i]!);
    const plainVision = dw(await plain.state.params.vision.w.data(), before.w);
    const scaledVision = dw(await scaled.state.params.vision.w.data(), before.w);
    const plainProj = dw(await plain.state.params.projection.weight.data(), before.pw);
    const scaledProj = dw(await scaled.state.params.projection.weight.data(), before.pw);
    expect(Math.max(...plainProj.map(Math.abs))).toBeGreaterThan(0);
    scaledVision.forEach((d, i) => expect(d).toBeCloseTo(plainVision[i]!, 7));
    scaledProj.forEach((d, i) => expect(d).toBeCloseTo(7 * plainProj[i]!, 6));
    expect(plain.gradNorm).toBeCloseTo(scaled.gradNorm, 6);
    await expect(divaStep(start(), [batch], ctx, { ...opts, projectionLrScale: 0 }, randomKey(3))).rejects.toThrow(/projectionLrScale/);
  });

  it("projectionOnlySteps freezes the vision tower for the first steps only, and the projection still moves", async () => {
    const diff = standInDiffusion();
    const ctx = { visionTokens, diffusion: diff, condition: { kind: "clsAllPatches", text: "mean" } as const, textEmbedding: zeros([5, 2]) };
    const batch = { clipImages: normal(k[4]!, [4, 3, 2, 2]), vaeImages: normal(k[5]!, [4, 3, 2, 2]) };
    const at = (step: number): DivaState<{ w: Tensor }> => ({
      params: { vision: { w: normal(k[2]!, [3, 4]) }, projection: { weight: normal(k[3]!, [2, 3]), bias: zeros([2]) } },
      optimizer: sgdInit<{ vision: { w: Tensor }; projection: { weight: Tensor; bias: Tensor } }>(),
      step,
    });
    const opts = { lr: 0.1, momentum: 0, clipNorm: 0, totalSteps: 10, warmupSteps: 0, draws: 1, projectionOnlySteps: 2 };
    const moved = async (step: number) => {
      const s0 = at(step);
      const w0 = await s0.params.vision.w.data();
      const p0 = await s0.params.projection.weight.data();
      const r = await divaStep(s0, [batch], ctx, opts, randomKey(3));
      const dv = Array.from(await r.state.params.vision.w.data(), (x, i) => Math.abs(x - w0[i]!));
      const dp = Array.from(await r.state.params.projection.weight.data(), (x, i) => Math.abs(x - p0[i]!));
      return { vision: Math.max(...dv), projection: Math.max(...dp) };
    };
    for (const step of [0, 1]) {
      const m = await moved(step);
      expect(m.vision).toBe(0);
      expect(m.projection).toBeGreaterThan(0);
    }
    const after = await moved(2);
    expect(after.vision).toBeGreaterThan(0);
    expect(after.projection).toBeGreaterThan(0);
    await expect(divaStep(at(0), [batch], ctx, { ...opts, projectionOnlySteps: 1.5 }, randomKey(3))).rejects.toThrow(/projectionOnlySteps/);
  });

  it("weights draws as the reference when asked (5/M and 1/M; see draw-weighting.test.ts)", () => {
    expect(drawWeight(0, 2, 5, "mean")).toBeCloseTo(0.1);
    expect(drawWeight(1, 2, 5, "mean")).toBeCloseTo(0.1);
    expect(drawWeight(0, 2, 5, "reference")).toBeCloseTo(1);
    expect(drawWeight(1, 2, 5, "reference")).toBeCloseTo(0.2);
  });
});

void tidy;
void tensor;
