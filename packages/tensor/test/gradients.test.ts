/**
 * For every differentiable op: a fast-check property comparing the VJP of a random projection
 * (loss = sum(op(x) * r)) with central finite differences, in float64 on the CPU backend, over random shapes
 * with size-1 and broadcast dims, with inputs in the op's smooth domain. A final test checks that every
 * registered VJP (kernel ops and view ops) ran during these checks.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { grad, norm, opTables, prod, tensor, type Tensor } from "../src/index.js";
import { ALL_GRAD_CASES } from "./grad-cases.js";
import { checkGradFD } from "./gradcheck.js";
import { prop, Rand, seedArb } from "./helpers.js";

// Record which VJPs run (this file's module instances only: vitest isolates test files).
const ran = new Set<string>();
const tables = opTables();
for (const [name, def] of Object.entries(tables.kernels)) {
  const vjp = def.vjp;
  if (vjp === "nondifferentiable") continue;
  (def as { vjp: unknown }).vjp = (g: Tensor, ctx: never) => {
    ran.add(name);
    return vjp(g, ctx);
  };
}
for (const [name, def] of Object.entries(tables.views)) {
  const vjp = def.vjp;
  (def as { vjp: unknown }).vjp = (g: Tensor, ctx: never) => {
    ran.add(name);
    return (vjp as (g: Tensor, c: never) => unknown)(g, ctx);
  };
}

describe("VJPs against central finite differences (float64, cpu)", () => {
  for (const c of ALL_GRAD_CASES) {
    it(c.name, async () => {
      await prop(
        fc.record({ shape: c.shape ?? fc.constant([] as number[]), seed: seedArb }),
        ({ shape, seed }) => {
          const r = new Rand(seed);
          checkGradFD(c.build(shape, r), r);
        },
        c.runs ?? 15,
      );
    });
  }

  it("prod's gradient is the product of the other entries, also where entries are zero", () => {
    const x = tensor([0, 2, 3], { dtype: "float64" });
    expect(Array.from(grad((t: Tensor) => prod(t))(x).dataSync())).toEqual([6, 0, 0]);
    const y = tensor([0, 2, 0], { dtype: "float64" });
    expect(Array.from(grad((t: Tensor) => prod(t))(y).dataSync())).toEqual([0, 0, 0]);
  });

  it("norm has a zero (sub)gradient at the zero vector, as torch", () => {
    const z = tensor([0, 0, 0], { dtype: "float64" });
    for (const p of [1, 2, 3]) expect(Array.from(grad((t: Tensor) => norm(t, p))(z).dataSync())).toEqual([0, 0, 0]);
  });

  it("every registered VJP (kernel ops and view ops) was exercised", () => {
    const differentiable = [
      ...Object.entries(tables.kernels)
        .filter(([, d]) => d.vjp !== "nondifferentiable")
        .map(([n]) => n),
      ...Object.keys(tables.views),
    ];
    // fill has no inputs: its VJP is never called
    const missing = differentiable.filter((n) => !ran.has(n) && n !== "fill");
    expect(missing).toEqual([]);
  });
});
