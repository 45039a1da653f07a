import { describe, expect, it } from "vitest";
import { normal, randomKey, splitKey, tensor, tidy, zeros, type Tensor } from "@diva/tensor";
import { divaCondition, selectConditionTokens } from "../src/condition.js";
import { conditionLength, PRESETS } from "../src/presets.js";

const key = randomKey(7);

function tokensFor(patches: number, dim: number, batch = 2): Tensor {
  // token j of image b holds the value 1000 * b + j in every channel, so selections can be read back
  const data = new Float32Array(batch * (patches + 1) * dim);
  for (let b = 0; b < batch; b++) for (let j = 0; j <= patches; j++) for (let d = 0; d < dim; d++) data[(b * (patches + 1) + j) * dim + d] = 1000 * b + j;
  return tensor(data, { shape: [batch, patches + 1, dim] });
}

describe("divaCondition per preset", () => {
  for (const p of Object.values(PRESETS)) {
    it(`${p.name}: ${p.condition.kind} gives ${conditionLength(p)} tokens of the cross-attention dim`, () => {
      const P = Math.floor(p.vision.imageSize / p.vision.patchSize) ** 2;
      // a narrow stand-in for the embedding dim keeps the test light; selection does not depend on it
      const dim = 4;
      const textLen = p.condition.text === "add" ? conditionLength(p) : 77;
      tidy(() => {
        const tokens = tokensFor(P, dim);
        const proj = { weight: normal(key, [8, dim]), bias: zeros([8]) };
        const text = normal(splitKey(key)[0]!, [textLen, 8]);
        const cond = divaCondition(tokens, p.condition, proj, text, key);
        expect(cond.shape).toEqual([2, conditionLength(p), 8]);
      });
    });
  }

  it("clsRandomPatches keeps the class token first and draws patches 1..P with replacement, per image", () => {
    const sel = selectConditionTokens(tokensFor(16, 1, 2), { kind: "clsRandomPatches", numPatches: 40, text: "add" }, key);
    const v = Array.from(sel.dataSync());
    const img0 = v.slice(0, 41);
    const img1 = v.slice(41).map((x) => x - 1000);
    expect(img0[0]).toBe(0);
    expect(img1[0]).toBe(0);
    for (const x of [...img0.slice(1), ...img1.slice(1)]) expect(x >= 1 && x <= 16).toBe(true);
    // 40 draws from 16 patches must repeat (with replacement), and the two images draw differently
    expect(new Set(img0.slice(1)).size).toBeLessThan(40);
    expect(img0.slice(1)).not.toEqual(img1.slice(1));
    // a different key gives a different draw; the same key the same
    const again = selectConditionTokens(tokensFor(16, 1, 2), { kind: "clsRandomPatches", numPatches: 40, text: "add" }, key);
    expect(Array.from(again.dataSync())).toEqual(v);
  });

  it("pooledAvgPool averages windows of the patch sequence after the pooled token", () => {
    const sel = selectConditionTokens(tokensFor(12, 1, 1), { kind: "pooledAvgPool", window: 5, text: "mean" });
    // patches 1..12, windows [1..5] [6..10] (the remainder 11, 12 is dropped as avg_pool1d does)
    expect(Array.from(sel.dataSync())).toEqual([0, 3, 8]);
  });

  it("text 'add' adds the embedding token by token; 'mean' adds its mean", () => {
    const tokens = tokensFor(2, 1, 1);
    const proj = { weight: tensor([[1]]), bias: tensor([0]) };
    const text = tensor([[10], [20], [30]]);
    expect(Array.from(divaCondition(tokens, { kind: "clsAllPatches", text: "add" }, proj, text).dataSync())).toEqual([10, 21, 32]);
    expect(Array.from(divaCondition(tokens, { kind: "clsAllPatches", text: "mean" }, proj, text).dataSync())).toEqual([20, 21, 22]);
  });

  it("clsOnly keeps the class token alone; under 'add' it is added to every text token, under 'mean' to the text's mean", () => {
    const tokens = tokensFor(3, 1, 2); // image 0: class 0, patches 1..3; image 1: class 1000, patches 1001..1003
    expect(Array.from(selectConditionTokens(tokens, { kind: "clsOnly", text: "add" }).dataSync())).toEqual([0, 1000]);
    const proj = { weight: tensor([[2]]), bias: tensor([1]) };
    const text = tensor([[10], [20], [30]]);
    const added = divaCondition(tokens, { kind: "clsOnly", text: "add" }, proj, text);
    expect(added.shape).toEqual([2, 3, 1]);
    expect(Array.from(added.dataSync())).toEqual([11, 21, 31, 2011, 2021, 2031]);
    const meaned = divaCondition(tokens, { kind: "clsOnly", text: "mean" }, proj, text);
    expect(meaned.shape).toEqual([2, 1, 1]);
    expect(Array.from(meaned.dataSync())).toEqual([21, 2021]);
  });

  it("errors name the problem", () => {
    const proj = { weight: tensor([[1, 2]]), bias: tensor([0]) };
    expect(() => divaCondition(tokensFor(2, 1, 1), { kind: "clsAllPatches", text: "add" }, proj, tensor([[1], [2], [3]]))).toThrow(/projection weight \[1,2\] must be \[1, 1\]/);
    expect(() => selectConditionTokens(tokensFor(2, 1, 1), { kind: "clsRandomPatches", numPatches: 3, text: "add" })).toThrow(/needs a random key/);
    expect(() => divaCondition(tokensFor(3, 1, 1), { kind: "clsAllPatches", text: "add" }, { weight: tensor([[1]]), bias: tensor([0]) }, tensor([[1], [2]]))).toThrow(
      /4 condition tokens cannot be added token by token to a 2-token text embedding/,
    );
  });
});
