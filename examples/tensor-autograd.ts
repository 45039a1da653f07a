/**
 * Tensors and autograd with @diva/tensor, on the CPU backend:
 *   node --conditions=source --import tsx examples/tensor-autograd.ts
 * (`--conditions=source` resolves the workspace packages to their TypeScript sources; no build needed.)
 */
import {
  grad,
  matmul,
  mean,
  memory,
  normal,
  randomKey,
  scope,
  splitKey,
  square,
  sum,
  tensor,
  tidy,
  valueAndGrad,
  type Tensor,
} from "@diva/tensor";

// 1. Tensors: nested arrays in, broadcasting ops, asynchronous readback.
const a = tensor([[1, 2, 3], [4, 5, 6]]); // float32 [2, 3]
const b = tensor([10, 20, 30]); // broadcasts over the rows
console.log("a + b =", await a.add(b).array());
console.log("a @ a^T =", await matmul(a, a.transpose()).array());

// 2. Gradients: valueAndGrad differentiates a function of a tree of tensors.
const w = tensor([[1, 2], [3, 4]]);
const x = tensor([[0.5], [-1]]);
const [loss, g] = valueAndGrad((w: Tensor) => sum(square(matmul(w, x))))(w);
console.log("loss =", await loss.item(), "dloss/dw =", await g.array());

// 3. Gradients of gradients: d²/dx² x³ at x = 2 is 6x = 12.
const cube = (x: Tensor) => sum(x.mul(x).mul(x));
const d2 = grad((x: Tensor) => sum(grad(cube)(x) as Tensor))(tensor([2]));
console.log("second derivative of x^3 at 2 =", await d2.item());

// 4. A training loop: linear regression by gradient descent. tidy() frees every intermediate tensor each
//    step, so the number of live tensors stays flat.
const [kx, kn] = splitKey(randomKey(0));
const X = normal(kx, [64, 3]);
const trueW = tensor([[2], [-1], [0.5]]);
const Y = matmul(X, trueW).add(normal(kn, [64, 1]).mul(0.01));
let params: { w: Tensor; b: Tensor } = { w: tensor([[0], [0], [0]]), b: tensor([0]) };
const mse = (p: typeof params) => mean(square(matmul(X, p.w).add(p.b).sub(Y)));
const before = memory().tensors;
for (let step = 0; step < 200; step++) {
  const next = tidy(() => {
    const [, grads] = valueAndGrad(mse)(params);
    return { w: params.w.sub(grads.w.mul(0.1)), b: params.b.sub(grads.b.mul(0.1)) };
  });
  params.w.dispose();
  params.b.dispose();
  params = next;
}
console.log("live tensors before/after the loop:", before, memory().tensors);
console.log("fitted w =", Array.from(await params.w.data(), (v) => +v.toFixed(3)), "(true: 2, -1, 0.5)");
const finalLoss = mse(params);
console.log("final mse =", (await finalLoss.item()).toExponential(2));
finalLoss.dispose();

// 5. `using` scopes: tensors made inside are disposed at the end of the block unless kept.
const kept = (() => {
  using s = scope();
  const t = tensor([1, 2, 3]).mul(2).add(1);
  return s.keep(t);
})();
console.log("kept =", await kept.array(), "memory:", memory());
