/**
 * The gradient of a linear layer's weight (x @ w^T) reaches w contiguous, with the values of the plain
 * formula g^T x bit for bit: the matmul VJP computes a transposed operand's gradient in its storage order, so
 * the optimizer and clipping never read weight gradients through transposed strides.
 */
import { describe, expect, it } from "vitest";
import { dispose, grad, linear, matmul, mul, normal, randomKey, reshape, sum, transpose, type Tensor } from "../src/index.js";

describe("matmul VJP layout", () => {
  for (const [label, xShape] of [["2-D input", [33, 17]], ["batched input [3, 11, 17]", [3, 11, 17]]] as const) {
    it(`the weight gradient of linear (${label}) is contiguous and equals g^T x`, () => {
      const x = normal(randomKey(1), [...xShape]);
      const w = normal(randomKey(2), [9, 17]);
      const r = normal(randomKey(3), [...xShape.slice(0, -1), 9]);
      const gw = grad((wt: Tensor) => sum(mul(linear(x, wt), r)))(w);
      expect(gw.shape).toEqual([9, 17]);
      expect(gw.isContiguous).toBe(true);
      // the plain formula: r is the gradient of the output; flatten the batch and take r^T x
      const want = matmul(transpose(reshape(r, [-1, 9])), reshape(x, [-1, 17]));
      expect(Array.from(gw.dataSync())).toEqual(Array.from(want.dataSync()));
      dispose([x, w, r, gw, want]);
    });
  }
});
