/**
 * Gradient cases: vector-Jacobian products of the ops models use, compared between devices. Each case
 * draws its inputs and a cotangent `w` of the output's shape, and returns d/dx sum(f(x) * w) for every
 * float input; one case takes a gradient of a gradient.
 */
import * as T from "@diva/tensor";
import type { Tensor } from "@diva/tensor";
import { TOL, type Tol } from "./compare.js";
import type { OpCase } from "./kernel-cases.js";
import type { Maker } from "./maker.js";

/** The gradients of sum(f(...xs) * w) with respect to the inputs at `wrt` (default: all). */
function vjp(mk: Maker, f: (...xs: Tensor[]) => Tensor, xs: Tensor[], wrt: number[] = xs.map((_, i) => i)): Tensor[] {
  const shape = T.noGrad(() => f(...xs)).shape;
  const w = mk.floats(shape);
  const [, grads] = T.valueAndGrad((...a: Tensor[]) => T.sum(T.mul(f(...a), w)), { argnums: wrt })(...xs);
  return grads as Tensor[];
}

/** A gradient case from an input builder and a function. */
function vcase(label: string, tol: Tol, inputs: (mk: Maker) => Tensor[], f: (...xs: Tensor[]) => Tensor, wrt?: number[]): OpCase {
  return { label, tol, run: (mk) => vjp(mk, f, inputs(mk), wrt) };
}

/** Gradient cases, in the order printed. */
export const VJP_CASES: readonly OpCase[] = [
  vcase("matmul [3,70,48] @ [48,90]", TOL.accum, (mk) => [mk.floats([3, 70, 48]), mk.floats([48, 90])], (a, b) => T.matmul(a!, b!)),
  vcase("linear [64,96] by [80,96] + [80]", TOL.accum, (mk) => [mk.floats([64, 96]), mk.floats([80, 96]), mk.floats([80])], (x, w, b) => T.linear(x!, w!, b!)),
  vcase(
    "conv2d [2,8,17,19] * [12,4,3,3], stride 2, pad 1, groups 2",
    TOL.accum,
    (mk) => [mk.floats([2, 8, 17, 19]), mk.floats([12, 4, 3, 3]), mk.floats([12])],
    (x, w, b) => T.conv2d(x!, w!, b!, { stride: 2, padding: 1, groups: 2 }),
  ),
  vcase("conv2d [4,64,16,16] * [64,64,3,3], pad 1", TOL.accum, (mk) => [mk.floats([4, 64, 16, 16]), mk.floats([64, 64, 3, 3], -0.1, 0.1)], (x, w) => T.conv2d(x!, w!, null, { padding: 1 })),
  vcase("layerNorm [64,384]", TOL.composite, (mk) => [mk.floats([64, 384], -3, 3), mk.floats([384]), mk.floats([384])], (x, w, b) => T.layerNorm(x!, [384], w!, b!)),
  vcase("groupNorm [2,32,9,9], 8 groups", TOL.composite, (mk) => [mk.floats([2, 32, 9, 9], -3, 3), mk.floats([32]), mk.floats([32])], (x, w, b) => T.groupNorm(x!, 8, w!, b!)),
  vcase("groupNorm + SiLU [2,32,9,9], 8 groups", TOL.composite, (mk) => [mk.floats([2, 32, 9, 9], -3, 3), mk.floats([32]), mk.floats([32])], (x, w, b) =>
    T.groupNorm(x!, 8, { weight: w!, bias: b!, activation: "silu" }),
  ),
  vcase("linear + gelu [64,96] by [80,96] + [80]", TOL.composite, (mk) => [mk.floats([64, 96]), mk.floats([80, 96]), mk.floats([80])], (x, w, b) =>
    T.linear(x!, w!, b!, { activation: "gelu" }),
  ),
  vcase("softmax [64,200]", TOL.composite, (mk) => [mk.floats([64, 200], -5, 5)], (x) => T.softmax(x!, -1)),
  vcase("logSoftmax [64,200] axis 0", TOL.composite, (mk) => [mk.floats([64, 200], -5, 5)], (x) => T.logSoftmax(x!, 0)),
  vcase(
    "attention q [2,4,50,32], k v [2,4,50,32], causal",
    TOL.composite,
    (mk) => [mk.floats([2, 4, 50, 32]), mk.floats([2, 4, 50, 32]), mk.floats([2, 4, 50, 32])],
    (q, k, v) => T.scaledDotProductAttention(q!, k!, v!, { isCausal: true }),
  ),
  vcase("attention q [2,8,64,40], k v [2,8,77,40]", TOL.composite, (mk) => [mk.floats([2, 8, 64, 40]), mk.floats([2, 8, 77, 40]), mk.floats([2, 8, 77, 40])], (q, k, v) =>
    T.scaledDotProductAttention(q!, k!, v!),
  ),
  vcase("crossEntropy [64,100]", TOL.composite, (mk) => [mk.floats([64, 100], -4, 4), mk.ints([64], 0, 100)], (x, t) => T.crossEntropy(x!, t!), [0]),
  vcase("gelu + silu * tanh [300,100]", TOL.transcendental, (mk) => [mk.floats([300, 100], -4, 4)], (x) => T.add(T.gelu(x!), T.mul(T.silu(x!), T.tanh(x!)))),
  vcase("sigmoid, exp, log, sqrt [200,50]", TOL.transcendental, (mk) => [mk.floats([200, 50], 0.1, 3)], (x) =>
    T.add(T.mul(T.sigmoid(x!), T.exp(x!)), T.div(T.log(x!), T.sqrt(x!))),
  ),
  vcase("pow, div [100,80]", TOL.transcendental, (mk) => [mk.floats([100, 80], 0.2, 3), mk.floats([100, 80], -2, 2)], (x, y) => T.add(T.pow(x!, y!), T.div(y!, x!))),
  vcase("max axis 1 [100,300]", TOL.exact, (mk) => [mk.floats([100, 300])], (x) => T.max(x!, 1)),
  vcase("logsumexp, variance [100,200]", TOL.composite, (mk) => [mk.floats([100, 200], -3, 3)], (x) => T.add(T.logsumexp(x!, 1), T.variance(x!, 1))),
  vcase("embedding [500,64] by 100 ids", TOL.accum, (mk) => [mk.floats([500, 64]), mk.ints([100], 0, 500)], (w, ids) => T.embedding(w!, ids!), [0]),
  vcase("gather [40,50] axis 1", TOL.accum, (mk) => [mk.floats([40, 50]), mk.ints([40, 30], 0, 50)], (x, i) => T.gather(x!, 1, i!), [0]),
  vcase("stepped slice, flip and pad [61,47]", TOL.exact, (mk) => [mk.floats([61, 47])], (x) => T.pad(T.slice(x!, [[1, null, 2], [null, null, -1]]), [[1, 2], [3, 0]])),
  vcase("concat and split", TOL.exact, (mk) => [mk.floats([30, 40]), mk.floats([40, 12])], (a, b) => {
    const [p, q] = T.split(a!, [10, 20], 0);
    return T.concat([q!, T.transpose(b!), p!], 0);
  }),
  vcase("interpolate bilinear x2 [2,3,15,17]", TOL.accum, (mk) => [mk.floats([2, 3, 15, 17])], (x) => T.interpolate(x!, { scaleFactor: 2, mode: "bilinear" })),
  vcase("interpolate nearest to [31,9]", TOL.accum, (mk) => [mk.floats([2, 3, 15, 17])], (x) => T.interpolate(x!, { size: [31, 9], mode: "nearest" })),
  vcase("avgPool2d 3x3 stride 2 pad 1 [2,4,20,21]", TOL.accum, (mk) => [mk.floats([2, 4, 20, 21])], (x) => T.avgPool2d(x!, 3, { stride: 2, padding: 1 })),
  vcase("mseLoss [128,64]", TOL.accum, (mk) => [mk.floats([128, 64]), mk.floats([128, 64])], (x, y) => T.mseLoss(x!, y!)),
  {
    label: "grad of grad: d/dx sum(grad(sum(tanh(x @ w))))",
    tol: TOL.composite,
    run: (mk) => {
      const x = mk.floats([20, 30]);
      const w = mk.floats([30, 25]);
      const inner = T.grad((a: Tensor) => T.sum(T.tanh(T.matmul(a, w))));
      return [T.grad((a: Tensor) => T.sum(T.square(inner(a))))(x)];
    },
  },
];
