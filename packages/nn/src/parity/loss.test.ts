import { describe, expect, it } from "vitest";
import { matmul, tensor, serializeSafetensors, type Tensor } from "@diva/tensor";
import { checkFixture } from "./check.js";
import { disposeFixture, loadFixture } from "./fixture.js";
import { makeRunner, parseLoss } from "./runner-kit.js";

describe("parseLoss", () => {
  it("reads the squared-output losses of the existing fixtures", () => {
    expect(parseLoss("loss = sum(output.image_embeds ** 2) over batch and features (scalar)")).toEqual({ reduction: "sum", key: "image_embeds" });
    expect(parseLoss("mean(output.sample ** 2)")).toEqual({ reduction: "mean", key: "sample" });
  });

  it("reads a cotangent loss sum(output.X * input.Y), in either order", () => {
    expect(parseLoss("loss = sum(output.image_embeds * input.cotangent)")).toEqual({ reduction: "sum", key: "image_embeds", cotangent: "cotangent" });
    expect(parseLoss("loss = sum(input.g * output.sample) (a vector-Jacobian product)")).toEqual({ reduction: "sum", key: "sample", cotangent: "g" });
    expect(parseLoss("loss = sum(output.x * output.y)")).toBeUndefined();
  });
});

/**
 * A linear model y = x @ W (x [2, 3], W [3, 2]) with the cotangent c = [1, -2] broadcast over the batch:
 * loss = sum(y * c), so dloss/dW = x^T @ (1 c) and dloss/dx = (1 c) @ W^T, both by hand.
 */
const X = [
  [1, 2, 3],
  [4, 5, 6],
];
const W = [
  [1, 0],
  [0, 1],
  [2, -1],
];
const C = [1, -2];
const Y = X.map((r) => [0, 1].map((j) => r.reduce((s, v, k) => s + v * W[k]![j]!, 0)));
const GW = W.map((_, k) => C.map((c) => c * (X[0]![k]! + X[1]![k]!)));
const GX = X.map(() => W.map((w) => w[0]! * C[0]! + w[1]! * C[1]!));
const LOSS = Y.reduce((s, r) => s + r[0]! * C[0]! + r[1]! * C[1]!, 0);

const linearRunner = makeRunner(
  "linear",
  () => true,
  (f) => ({
    params: { weight: f.weights.weight! },
    forward: (p: { weight: Tensor }, inputs) => {
      const y = matmul(inputs.x!, p.weight);
      return (key) => (key === "y" ? y : undefined);
    },
  }),
);

async function fixture(loss: string, cotangent: number[] | number[][], gradW = GW, gradX = GX) {
  const bytes = await serializeSafetensors(
    {
      weight: tensor(W),
      "input.x": tensor(X),
      "input.c": tensor(cotangent),
      "output.y": tensor(Y),
      "output.loss": tensor([LOSS]),
      "grad.weight": tensor(gradW),
      "grad.input.x": tensor(gradX),
    },
    { metadata: { config: JSON.stringify({ loss }), fixture: "linear_vjp" } },
  );
  return loadFixture(bytes);
}

describe("parity with a cotangent loss", () => {
  it("checks the vector-Jacobian product of a synthetic fixture", async () => {
    const f = await fixture("loss = sum(output.y * input.c)", C);
    try {
      const r = await checkFixture(f, { runner: linearRunner });
      expect(Object.fromEntries(r.rows.map((x) => [x.name, x.ok]))).toEqual({ "output.y": true, "output.loss": true, "grad.weight": true, "grad.input.x": true });
      expect(r.ok).toBe(true);
    } finally {
      disposeFixture(f);
    }
  });

  it("fails rows whose gradients are wrong", async () => {
    const f = await fixture("loss = sum(output.y * input.c)", C, GW.map((r) => r.map((v) => -v)));
    try {
      const r = await checkFixture(f, { runner: linearRunner });
      expect(r.rows.find((x) => x.name === "grad.weight")!.ok).toBe(false);
      expect(r.ok).toBe(false);
    } finally {
      disposeFixture(f);
    }
  });

  it("names a cotangent that does not broadcast to the output, and an unknown input", async () => {
    const bad = await fixture("loss = sum(output.y * input.c)", [1, 2, 3]);
    const missing = await fixture("loss = sum(output.y * input.nope)", C);
    try {
      await expect(checkFixture(bad, { runner: linearRunner })).rejects.toThrow(/cotangent input\.c \[3\] does not broadcast to output\.y \[2,2\]/);
      await expect(checkFixture(missing, { runner: linearRunner })).rejects.toThrow(/input\.nope, which the fixture does not hold/);
    } finally {
      disposeFixture(bad);
      disposeFixture(missing);
    }
  });
});
