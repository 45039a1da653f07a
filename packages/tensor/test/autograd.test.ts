/**
 * The autograd API: trees of tensors in and out, argnums, hasAux, stopGradient, noGrad, zeros for unused
 * leaves, errors for non-scalar outputs, deep graphs without recursion, frozen inputs, method sugar.
 */
import { describe, expect, it } from "vitest";
import {
  add,
  cast,
  dispose,
  exp,
  grad,
  matmul,
  memory,
  mul,
  noGrad,
  ones,
  reshape,
  stopGradient,
  sub,
  sum,
  tanh,
  tensor,
  tidy,
  valueAndGrad,
  zeros,
  mapTree,
  treeLeaves,
  flattenTree,
  type Tensor,
} from "../src/index.js";

const data = (t: Tensor) => Array.from(t.dataSync());

describe("grad and valueAndGrad", () => {
  it("differentiate w.r.t. a tree of tensors (objects and arrays) and return the same tree", () => {
    const x = tensor([1, 2, 3]);
    const params = { w: tensor([0.5, -1, 2]), layers: [{ b: tensor(3), extra: [] as Tensor[] }, { b: tensor(-2), extra: [tensor([1, 1])] }], name: "mlp", n: 4 };
    const f = (p: typeof params) => add(sum(mul(mul(p.w, x), p.layers[0]!.b)), mul(sum(p.layers[1]!.extra[0]!), p.layers[1]!.b));
    const [value, g] = valueAndGrad(f)(params);
    expect(value.shape).toEqual([]);
    expect(value.dataSync()[0]).toBeCloseTo((0.5 - 2 + 6) * 3 + 2 * -2);
    expect(Object.keys(g)).toEqual(["w", "layers", "name", "n"]);
    expect(g.name).toBe("mlp");
    expect(g.n).toBe(4);
    expect(data(g.w)).toEqual([3, 6, 9]);
    expect(data(g.layers[0]!.b)).toEqual([0.5 - 2 + 6]);
    expect(g.layers[0]!.b.shape).toEqual([]);
    expect(data(g.layers[1]!.b)).toEqual([2]);
    expect(data(g.layers[1]!.extra[0]!)).toEqual([-2, -2]);
    expect(g.layers[0]!.extra).toEqual([]);
  });

  it("argnums selects arguments; an array gives a tuple of gradients in that order", () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    const c = tensor([5, 6]);
    const f = (x: Tensor, y: Tensor, z: Tensor) => sum(mul(mul(x, y), z));
    expect(data(grad(f)(a, b, c))).toEqual([15, 24]);
    expect(data(grad(f, { argnums: 2 })(a, b, c))).toEqual([3, 8]);
    const [gc, ga] = grad(f, { argnums: [2, 0] })(a, b, c) as Tensor[];
    expect(data(gc!)).toEqual([3, 8]);
    expect(data(ga!)).toEqual([15, 24]);
    expect(() => grad(f, { argnums: 3 })(a, b, c)).toThrow(/grad: argnums 3 is out of range for 3 arguments/);
  });

  it("the same tensor passed twice gets a gradient per argument", () => {
    const a = tensor([2, 3]);
    const [g0, g1] = grad((x: Tensor, y: Tensor) => sum(mul(mul(x, x), y)), { argnums: [0, 1] })(a, a) as Tensor[];
    expect(data(g0!)).toEqual([8, 18]); // 2 x y
    expect(data(g1!)).toEqual([4, 9]); // x^2
  });

  it("hasAux passes the auxiliary value through untouched (tensors in it stay alive)", () => {
    const x = tensor([1, 2, 3]);
    const [[loss, aux], g] = valueAndGrad((t: Tensor) => [sum(mul(t, t)), { doubled: mul(t, 2), label: "sq" }] as const, { hasAux: true })(x);
    expect(loss.dataSync()[0]).toBe(14);
    expect(aux.label).toBe("sq");
    expect(data(aux.doubled)).toEqual([2, 4, 6]);
    expect(data(g)).toEqual([2, 4, 6]);
    const [g2, aux2] = grad((t: Tensor) => [sum(t), 7] as unknown as Tensor, { hasAux: true } as never)(x) as unknown as [Tensor, number];
    expect(data(g2)).toEqual([1, 1, 1]);
    expect(aux2).toBe(7);
  });

  it("unused leaves and outputs that do not depend on the input get zeros of the right shape and dtype", () => {
    const p = { used: tensor([1, 2]), unused: tensor([[1, 2, 3]], { dtype: "float64" }) };
    const g = grad((q: typeof p) => sum(mul(q.used, 3)))(p);
    expect(data(g.used)).toEqual([3, 3]);
    expect(g.unused.shape).toEqual([1, 3]);
    expect(g.unused.dtype).toBe("float64");
    expect(data(g.unused)).toEqual([0, 0, 0]);
    const gc = grad((_x: Tensor) => sum(ones([2])))(tensor([5, 6, 7]));
    expect(data(gc)).toEqual([0, 0, 0]);
    const gi = grad((x: Tensor) => sum(cast(cast(x, "int32"), "float32")))(tensor([1.5, 2.5]));
    expect(data(gi)).toEqual([0, 0]);
  });

  it("the identity function has gradient one", () => {
    expect(data(grad((x: Tensor) => x)(tensor([4])))).toEqual([1]);
    expect(data(grad((x: Tensor) => reshape(x, []))(tensor([[4]])))).toEqual([1]);
  });

  it("gradients keep the input dtype (float32 in, float32 out; float64 in, float64 out)", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const g = grad((x: Tensor) => sum(exp(x)))(tensor([0, 1], { dtype }));
      expect(g.dtype).toBe(dtype);
      expect(g.dataSync()[1]).toBeCloseTo(Math.E, 6);
    }
  });

  it("stopGradient treats its argument as a constant", () => {
    const x = tensor([1, 2, 3]);
    // d/dx sum(x * sg(x)) = sg(x) = x
    expect(data(grad((t: Tensor) => sum(mul(t, stopGradient(t))))(x))).toEqual([1, 2, 3]);
    expect(data(grad((t: Tensor) => sum(stopGradient(mul(t, t))))(x))).toEqual([0, 0, 0]);
  });

  it("noGrad records nothing, also inside grad", () => {
    const x = tensor([1, 2, 3]);
    const g = grad((t: Tensor) => add(sum(t), noGrad(() => sum(mul(t, t)))))(x);
    expect(data(g)).toEqual([1, 1, 1]);
    const y = noGrad(() => exp(x));
    expect(data(y)).toEqual([1, 2, 3].map((v) => Math.fround(Math.exp(v))));
  });

  it("accumulates gradients over shared subexpressions (diamonds) and broadcasting", () => {
    const x = tensor([[1, 2, 3]]);
    const f = (t: Tensor) => {
      const a = mul(t, 2);
      const b = add(a, a); // 4t
      const c = mul(b, reshape(t, [3, 1])); // [3,3]: 4 t_j t_i
      return sum(add(c, a));
    };
    // sum_ij 4 t_i t_j + 3 sum_j 2 t_j (a is broadcast over 3 rows): d/dt_k = 8 sum(t) + 6
    expect(data(grad(f)(x))).toEqual([54, 54, 54]);
  });

  it("handles a chain of 20000 ops (iterative topological sort, no recursion)", () => {
    const x = tensor([0.5], { dtype: "float64" });
    const g = grad((t: Tensor) => {
      let y = t;
      for (let i = 0; i < 20000; i++) y = add(y, 1e-4);
      return sum(mul(y, y));
    })(x);
    expect(g.dataSync()[0]).toBeCloseTo(2 * (0.5 + 2), 9);
  });

  it("inputs that need no gradient (frozen weights) give correct gradients for the others", () => {
    const w = tensor([[1, 2], [3, 4]]);
    const xin = tensor([[1, -1]]);
    const gx = grad((t: Tensor) => sum(matmul(t, w)))(xin);
    expect(data(gx)).toEqual([3, 7]);
    const gw = grad((ww: Tensor) => sum(matmul(xin, ww)))(w);
    expect(data(gw)).toEqual([1, 1, -1, -1]);
  });

  it("refuses non-scalar, non-float or non-tensor outputs and non-float inputs", () => {
    const x = tensor([1, 2]);
    expect(() => grad((t: Tensor) => mul(t, 2))(x)).toThrow(/grad: the function must return a one-element float tensor, got \[2\] float32/);
    expect(() => grad((t: Tensor) => sum(cast(t, "int32")))(x)).toThrow(/one-element float tensor, got \[\] int32/);
    expect(() => grad((() => 3) as unknown as (t: Tensor) => Tensor)(x)).toThrow(/grad: the function must return a tensor/);
    expect(() => grad((t: Tensor) => sum(t))(tensor([1, 2], { dtype: "int32" }))).toThrow(/grad: cannot differentiate w.r.t. a int32 tensor/);
    // a one-element tensor of any rank is a valid loss
    expect(data(grad((t: Tensor) => reshape(sum(t), [1, 1]))(x))).toEqual([1, 1]);
  });

  it("leaves nothing behind: only the returned value and gradients stay alive", () => {
    const x = tensor([1, 2, 3]);
    const w = { a: tensor([2, 2, 2]), b: tensor(1) };
    const f = (p: typeof w) => sum(tanh(add(mul(x, p.a), p.b)));
    const before = memory().tensors;
    const [v, g] = valueAndGrad(f)(w);
    expect(memory().tensors).toBe(before + 3);
    dispose([v, g]);
    expect(memory().tensors).toBe(before);
    const g2 = grad(f)(w);
    expect(memory().tensors).toBe(before + 2);
    dispose(g2);
    expect(memory().tensors).toBe(before);
  });

  it("an intermediate disposed inside the function stays usable by the backward pass", () => {
    const x = tensor([1, 2]);
    const g = grad((t: Tensor) => {
      const y = mul(t, t);
      const z = sum(mul(y, 3));
      y.dispose();
      return z;
    })(x);
    expect(data(g)).toEqual([6, 12]);
  });

  it("recovers from a function that throws: nothing leaks and later gradients work (also nested)", () => {
    const x = tensor([1, 2]);
    const before = memory().tensors;
    const boom = (t: Tensor) => {
      mul(t, 2);
      throw new Error("boom");
    };
    expect(() => grad(boom)(x)).toThrow("boom");
    expect(() => grad((t: Tensor) => sum(grad(boom)(t)))(x)).toThrow("boom");
    expect(memory().tensors).toBe(before);
    expect(data(grad((t: Tensor) => sum(mul(t, t)))(x))).toEqual([2, 4]);
    expect(data(grad((t: Tensor) => sum(grad((u: Tensor) => sum(mul(mul(u, u), u)))(t)))(x))).toEqual([6, 12]);
  });

  it("works inside tidy and returns gradients that survive it", () => {
    const x = tensor([1, 2]);
    const before = memory().tensors;
    const g = tidy(() => grad((t: Tensor) => sum(exp(sub(t, 1))))(x));
    expect(memory().tensors).toBe(before + 1);
    expect(g.dataSync()[0]).toBeCloseTo(1);
    g.dispose();
  });
});

describe("tensor trees", () => {
  it("mapTree keeps the structure, treeLeaves lists tensors in order, flattenTree gives dotted paths", () => {
    const [a, b, c] = [tensor([1]), tensor([2]), tensor([3])];
    const tree = { x: a, y: [b, { z: c, s: "keep" }], n: null };
    expect(treeLeaves(tree)).toEqual([a, b, c]);
    const doubled = mapTree((t, path) => (path === "y.1.z" ? t : mul(t, 2)), tree);
    expect(data(doubled.x)).toEqual([2]);
    expect(data(doubled.y[0] as Tensor)).toEqual([4]);
    expect((doubled.y[1] as { z: Tensor }).z).toBe(c);
    expect((doubled.y[1] as { s: string }).s).toBe("keep");
    expect(doubled.n).toBeNull();
    expect(Object.entries(flattenTree(tree)).map(([k, v]) => [k, v.id])).toEqual([
      ["x", a.id],
      ["y.0", b.id],
      ["y.1.z", c.id],
    ]);
  });
});

describe("Tensor method sugar", () => {
  it("forwards to the op functions", async () => {
    const x = tensor([[1, -2], [3, 4]]);
    expect(data(x.add(1).mul(2).sub(1).div(2))).toEqual([1.5, -1.5, 3.5, 4.5]);
    expect(data(x.neg().abs().relu())).toEqual([1, 2, 3, 4]);
    expect(x.transpose().shape).toEqual([2, 2]);
    expect(data(x.transpose())).toEqual([1, 3, -2, 4]);
    expect(data(x.reshape([4]).unsqueeze(0).squeeze())).toEqual([1, -2, 3, 4]);
    expect(data(x.sum(1))).toEqual([-1, 7]);
    expect(data(x.max(0))).toEqual([3, 4]);
    expect(data(x.argmax(1))).toEqual([0, 1]);
    expect(data(x.matmul(x))).toEqual([-5, -10, 15, 10]);
    expect(x.cast("int32").dtype).toBe("int32");
    expect(data(x.slice([null, 1]))).toEqual([-2, 4]);
    expect(data(x.softmax().sum(-1))).toEqual([1, 1]);
    expect(x.flatten().shape).toEqual([4]);
    const before = memory().tensors;
    const moved = await x.transpose().to("cpu");
    expect(memory().tensors - before, "the transposed view and its copy, nothing else").toBe(2);
    expect(data(moved)).toEqual([1, 3, -2, 4]);
    expect(moved.isContiguous).toBe(true);
    const same = await x.to("cpu");
    expect(same).not.toBe(x);
    expect(data(same)).toEqual(data(x));
    expect(zeros([2]).exp().dtype).toBe("float32");
  });
});
