/**
 * Gradients of gradients (float64, cpu). For F(x) = sum(op(x) * r1), G = grad(F) and H(x) = sum(G(x) * r2),
 * grad(H) is compared with the analytic second derivative (elementwise ops: op''(x) r1 r2) or with central
 * differences of H, which only uses first-order gradients (mul, softmax, matmul, conv2d, layerNorm, attention).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  biasActivation,
  conv2d,
  dispose,
  exp,
  gelu,
  grad,
  groupNorm,
  layerNorm,
  logsumexp,
  matmul,
  memory,
  mul,
  noGrad,
  quickGelu,
  scaledDotProductAttention,
  sigmoid,
  silu,
  softmax,
  sum,
  tanh,
  tensor,
  tidy,
  valueAndGrad,
  type Tensor,
} from "../src/index.js";
import { floats, prop, randomNd, Rand, seedArb, shapeArb } from "./helpers.js";
import { Nd } from "./reference.js";

const f64 = (v: Nd) => tensor(Float64Array.from(v.data), { dtype: "float64", shape: [...v.shape] });

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, atol = 1e-6, rtol = 1e-5): void {
  expect(got.length, `${what}: size`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const ok = Math.abs(got[i]! - want[i]!) <= atol + rtol * Math.abs(want[i]!);
    if (!ok) expect.fail(`${what}: element ${i}: got ${got[i]}, want ${want[i]}`);
  }
}

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const UNARY: [string, (x: Tensor) => Tensor, (x: number) => number][] = [
  ["exp", exp, Math.exp],
  ["tanh", tanh, (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2)],
  ["sigmoid", sigmoid, (x) => sig(x) * (1 - sig(x)) * (1 - 2 * sig(x))],
  ["gelu", (x) => gelu(x), (x) => (Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI)) * (2 - x * x)],
  ["silu", silu, (x) => sig(x) * (1 - sig(x)) * (2 + x * (1 - 2 * sig(x)))],
  ["quickGelu", quickGelu, (x) => 1.702 * sig(1.702 * x) * (1 - sig(1.702 * x)) * (2 + 1.702 * x * (1 - 2 * sig(1.702 * x)))],
  ["x * x * x (mul)", (x) => mul(mul(x, x), x), (x) => 6 * x],
];

describe("second derivatives", () => {
  for (const [name, op, d2] of UNARY) {
    it(`${name}: grad(grad) matches the analytic second derivative`, async () => {
      await prop(
        fc.record({ shape: shapeArb(0, 3, 3), seed: seedArb }),
        ({ shape, seed }) => {
          const r = new Rand(seed);
          const xv = randomNd(shape, r, floats(-2, 2));
          const r1 = randomNd(shape, r, floats(-1, 1));
          const r2 = randomNd(shape, r, floats(-1, 1));
          const [x, t1, t2] = [f64(xv), f64(r1), f64(r2)];
          const before = memory().tensors;
          const G = grad((a: Tensor) => sum(mul(op(a), t1)));
          const gg = grad((a: Tensor) => sum(mul(G(a), t2)))(x);
          const want = Array.from(xv.data, (v, i) => d2(v) * r1.data[i]! * r2.data[i]!);
          expectClose(gg.dataSync(), want, `${name}''`);
          gg.dispose();
          expect(memory().tensors, "no tensors left behind by grad(grad)").toBe(before);
          dispose([x, t1, t2]);
        },
        15,
      );
    });
  }

  it("mul: the mixed second derivative d/db (d/da sum(a * b * r1) . r2) = r1 * r2", () => {
    const r = new Rand(3);
    const [av, bv, r1, r2] = [randomNd([2, 3], r, floats()), randomNd([2, 3], r, floats()), randomNd([2, 3], r, floats()), randomNd([2, 3], r, floats())];
    const [a, b, t1, t2] = [av, bv, r1, r2].map(f64);
    const ga = (x: Tensor, y: Tensor) => grad((p: Tensor, q: Tensor) => sum(mul(mul(p, q), t1)))(x, y);
    const h = grad((x: Tensor, y: Tensor) => sum(mul(ga(x, y), t2)), { argnums: [0, 1] })(a!, b!) as Tensor[];
    expectClose(h[0]!.dataSync(), new Float64Array(6), "d2/da2 of a bilinear function is 0");
    expectClose(h[1]!.dataSync(), Array.from(r1.data, (v, i) => v * r2.data[i]!), "d2/dadb");
  });

  it("exp: third derivative through grad(grad(grad))", () => {
    const x = tensor([-1, 0, 0.5, 2], { dtype: "float64" });
    const g1 = (t: Tensor) => grad((u: Tensor) => sum(exp(u)))(t);
    const g2 = (t: Tensor) => grad((u: Tensor) => sum(g1(u)))(t);
    const g3 = grad((u: Tensor) => sum(g2(u)))(x);
    expectClose(g3.dataSync(), [-1, 0, 0.5, 2].map(Math.exp), "exp'''");
  });
});

/** grad(H) against central differences of H, where H(xs) = sum(grad_0(F)(xs) * r2). */
function checkHessianVector(label: string, f: (xs: Tensor[]) => Tensor, vals: Nd[], r: Rand, h = 1e-5): void {
  const outShape = noGrad(() => tidy(() => f(vals.map(f64)).shape));
  const r1 = f64(randomNd(outShape, r, floats(-1, 1)));
  const r2 = f64(randomNd(vals[0]!.shape, r, floats(-1, 1)));
  const F = (...xs: Tensor[]) => sum(mul(f(xs), r1));
  const H = (...xs: Tensor[]) => sum(mul(grad(F)(...xs), r2));
  const argnums = vals.map((_, i) => i);
  const before = memory().tensors;
  const xs = vals.map(f64);
  const [hv, hg] = valueAndGrad(H, { argnums })(...xs);
  const analytic = (hg as Tensor[]).map((g) => g.dataSync());
  const evalH = (vs: Nd[]) =>
    tidy(() => {
      const ts = vs.map(f64);
      return H(...ts).dataSync()[0]!;
    });
  vals.forEach((v, i) => {
    for (let j = 0; j < v.size; j++) {
      const plus = vals.map((u, k) => (k === i ? bump(u, j, h) : u));
      const minus = vals.map((u, k) => (k === i ? bump(u, j, -h) : u));
      const fd = (evalH(plus) - evalH(minus)) / (2 * h);
      const an = analytic[i]![j]!;
      if (!(Math.abs(an - fd) <= 1e-5 + 1e-4 * Math.abs(fd))) expect.fail(`${label}: input ${i} element ${j}: grad(grad) ${an}, differences of grad ${fd}`);
    }
  });
  dispose([xs, hv, hg]);
  expect(memory().tensors, `${label}: leak`).toBe(before);
  dispose([r1, r2]);
}

function bump(v: Nd, j: number, d: number): Nd {
  const out = new Nd(v.shape, v.data);
  out.data[j] = v.data[j]! + d;
  return out;
}

describe("gradients of gradients against differences of the first gradient", () => {
  it("softmax and logsumexp", async () => {
    await prop(
      fc.record({ shape: shapeArb(1, 3, 4), seed: seedArb }),
      ({ shape, seed }) => {
        const r = new Rand(seed);
        const axis = r.int(0, shape.length - 1);
        checkHessianVector(`softmax [${shape}] axis ${axis}`, ([x]) => softmax(x!, axis), [randomNd(shape, r, floats(-2, 2))], r);
        checkHessianVector(`logsumexp [${shape}] axis ${axis}`, ([x]) => logsumexp(x!, axis), [randomNd(shape, r, floats(-2, 2))], r);
      },
      10,
    );
  });

  it("matmul (batched, both operands)", async () => {
    await prop(
      seedArb,
      (seed) => {
        const r = new Rand(seed);
        const [b, m, k, n] = [r.int(1, 2), r.int(1, 3), r.int(1, 3), r.int(1, 3)];
        // a product of two matmuls so that the Hessian is not zero
        const vals = [randomNd([b, m, k], r, floats()), randomNd([k, n], r, floats())];
        checkHessianVector(`matmul [${b},${m},${k}] @ [${k},${n}]`, ([x, y]) => matmul(mul(x!, x!), y!), vals, r);
      },
      10,
    );
  });

  it("conv2d (stride, padding, groups)", async () => {
    await prop(
      seedArb,
      (seed) => {
        const r = new Rand(seed);
        const groups = r.int(1, 2);
        const [C, O, H, W] = [groups * r.int(1, 2), groups * r.int(1, 2), r.int(3, 4), r.int(3, 4)];
        const stride = r.int(1, 2);
        const padding = r.int(0, 1);
        const vals = [randomNd([1, C, H, W], r, floats()), randomNd([O, C / groups, 2, 2], r, floats())];
        checkHessianVector(`conv2d groups ${groups} stride ${stride} padding ${padding}`, ([x, w]) => tanh(conv2d(x!, w!, null, { stride, padding, groups })), vals, r);
      },
      6,
    );
  });

  it("groupNorm with fused SiLU and biasActivation (gelu, silu)", async () => {
    await prop(
      seedArb,
      (seed) => {
        const r = new Rand(seed);
        const [C, S] = [2 * r.int(1, 2), r.int(2, 3)];
        checkHessianVector(
          `groupNorm+silu [1,${C},${S}]`,
          ([x, w, b]) => groupNorm(x!, 2, { weight: w!, bias: b!, eps: 1e-3, activation: "silu" }),
          [randomNd([1, C, S], r, floats()), randomNd([C], r, floats()), randomNd([C], r, floats())],
          r,
        );
        const act = r.pick(["gelu", "silu", "geluTanh", "quickGelu"] as const);
        const n = r.int(1, 3);
        checkHessianVector(`biasActivation ${act} [2,${n}]`, ([x, b]) => biasActivation(x!, b!, act), [randomNd([2, n], r, floats()), randomNd([n], r, floats())], r);
      },
      6,
    );
  });

  it("layerNorm and scaledDotProductAttention", async () => {
    await prop(
      seedArb,
      (seed) => {
        const r = new Rand(seed);
        const n = r.int(2, 4);
        checkHessianVector(`layerNorm [2,${n}]`, ([x, w]) => layerNorm(x!, [n], w!, null, 1e-3), [randomNd([2, n], r, floats()), randomNd([n], r, floats())], r);
        const [L, D] = [r.int(1, 3), r.int(1, 3)];
        const isCausal = r.bool();
        checkHessianVector(
          `attention L ${L} D ${D} causal ${isCausal}`,
          ([q, k, v]) => scaledDotProductAttention(q!, k!, v!, { isCausal }),
          [randomNd([L, D], r, floats()), randomNd([L, D], r, floats()), randomNd([L, D], r, floats())],
          r,
        );
      },
      6,
    );
  });
});
