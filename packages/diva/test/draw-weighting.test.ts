/**
 * The reference weighting of the two noise draws gives the same update whatever the micro-batch split
 * (about 5 g0 + g1 per step), and the reference warm-up gives step k the rate lr k / warm-up steps.
 */
import { describe, expect, it } from "vitest";
import { clone, dispose, matmul, mean, mul, normal, randomKey, slice, sub, tensor, valueAndGrad, type Tensor } from "@diva/tensor";
import { sgdInit } from "@diva/nn";
import { divaLearningRate, drawWeight, referenceDrawWeights, weightedStep, type DrawObjective, type TrainState } from "../src/step.js";

type P = { w: Tensor };

// a fake objective: image i is a row x_i of X; draw d pulls W x_i towards its own target t_d, so the gradient
// of each image and draw depends on neither the noise key nor the micro-batch it is in
const TARGETS = [tensor([1, -2], { shape: [1, 2] }), tensor([-3, 0.5], { shape: [1, 2] })];
const objective: DrawObjective<P, Tensor> = {
  loss: (p, x, _key, d) => {
    const r = sub(matmul(x, p.w), TARGETS[d]!); // [B, 2]
    return mean(mul(r, r));
  },
};

const IMAGES = 640;
const X = normal(randomKey(7), [IMAGES, 3]);
const W0 = normal(randomKey(8), [3, 2]);

function split(microBatches: number): Tensor[] {
  const size = IMAGES / microBatches;
  return Array.from({ length: microBatches }, (_, m) => slice(X, [[m * size, (m + 1) * size], null]));
}

/** The update W_after - W_before of one SGD step (momentum 0.9, its first step, no clipping). */
async function update(microBatches: number, drawWeighting: "reference" | "mean"): Promise<Float32Array> {
  const state: TrainState<P> = { params: { w: clone(W0) }, optimizer: sgdInit<P>(), step: 0 };
  const mbs = split(microBatches);
  const r = await weightedStep(state, mbs, objective, { lr: 1, momentum: 0.9, clipNorm: 0, totalSteps: 100, warmupSteps: 0, draws: 2, drawWeighting }, randomKey(1));
  const out = sub(r.state.params.w, W0).dataSync() as Float32Array;
  dispose([r.state.params, r.state.optimizer.momentum, mbs]);
  return Float32Array.from(out);
}

/** The full-batch mean gradient g_d of draw d over all images. */
function fullGradient(d: number): Float32Array {
  const [loss, g] = valueAndGrad((p: P) => objective.loss(p, X, randomKey(0), d))({ w: W0 });
  const out = Float32Array.from(g.w.dataSync() as Float32Array);
  dispose([loss, g]);
  return out;
}

function expectClose(a: Float32Array, b: Float32Array, rel = 1e-5): void {
  const scale = Math.max(...Array.from(b, Math.abs));
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(rel * scale);
}

describe("draw weighting", () => {
  it("reference: 640 images as 40 x 16, 80 x 8 and 10 x 64 give the same update, -lr (5 g0 + g1)", async () => {
    const g0 = fullGradient(0);
    const g1 = fullGradient(1);
    const expected = g0.map((v, i) => -(5 * v + g1[i]!));
    const [a, b, c] = [await update(40, "reference"), await update(80, "reference"), await update(10, "reference")];
    expectClose(a, expected);
    expectClose(b, expected);
    expectClose(c, expected);
  });

  it("mean: the same update for every split, -lr (g0 + g1) / 2", async () => {
    const g0 = fullGradient(0);
    const g1 = fullGradient(1);
    const expected = g0.map((v, i) => -(v + g1[i]!) / 2);
    expectClose(await update(40, "mean"), expected);
    expectClose(await update(10, "mean"), expected);
  });

  it("per-draw weights: reference weights[d] / M, mean 1 / (draws M); other draw counts follow the reference rule", () => {
    expect(drawWeight(0, 2, 40, "reference")).toBeCloseTo(5 / 40, 12);
    expect(drawWeight(1, 2, 40, "reference")).toBeCloseTo(1 / 40, 12);
    expect(drawWeight(0, 2, 5, "mean")).toBeCloseTo(0.1, 12);
    expect(drawWeight(1, 2, 5, "mean")).toBeCloseTo(0.1, 12);
    // every draw but the last is back-propagated unscaled in the reference's forward, the last one is divided
    expect(referenceDrawWeights(1)).toEqual([1]);
    expect(referenceDrawWeights(3)).toEqual([5, 5, 1]);
    expect(() => referenceDrawWeights(2, [1, 2, 3])).toThrow(/has 3 weights for 2 draws/);
    expect(() => referenceDrawWeights(2, [1, Number.NaN])).toThrow(/non-negative numbers/);
  });
});

describe("warm-up", () => {
  it("step k gets lr k / 23 (step 0 gets 0), then the cosine", () => {
    const o = { lr: 1e-4, totalSteps: 4600, warmupSteps: 23 };
    expect(divaLearningRate(0, o)).toBe(0);
    expect(divaLearningRate(1, o)).toBeCloseTo(1e-4 / 23, 15);
    expect(divaLearningRate(2, o)).toBeCloseTo((2 * 1e-4) / 23, 15);
    expect(divaLearningRate(22, o)).toBeCloseTo((22 * 1e-4) / 23, 15);
    expect(divaLearningRate(23, o)).toBeCloseTo(1e-4, 15);
    // half-way through the cosine: half the rate
    expect(divaLearningRate(23 + (4600 - 23) / 2, o)).toBeCloseTo(0.5e-4, 12);
  });

  it("weightedStep applies it: the first step leaves the parameters unchanged", async () => {
    const state: TrainState<P> = { params: { w: clone(W0) }, optimizer: sgdInit<P>(), step: 0 };
    const mbs = split(10);
    const r = await weightedStep(state, mbs, objective, { lr: 0.1, momentum: 0.9, clipNorm: 1, totalSteps: 100, warmupSteps: 5, draws: 2, drawWeighting: "reference" }, randomKey(1));
    expect(r.lr).toBe(0);
    expect(Array.from(r.state.params.w.dataSync())).toEqual(Array.from(W0.dataSync()));
    const r2 = await weightedStep(r.state, mbs, objective, { lr: 0.1, momentum: 0.9, clipNorm: 1, totalSteps: 100, warmupSteps: 5, draws: 2, drawWeighting: "reference" }, randomKey(2));
    expect(r2.lr).toBeCloseTo(0.02, 12);
    dispose([r2.state.params, r2.state.optimizer.momentum, mbs]);
  });
});
