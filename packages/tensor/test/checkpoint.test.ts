/**
 * checkpoint(fn): the same values and gradients as fn (bitwise on the CPU: the re-run does the same ops in the
 * same order), gradients of gradients through it, fewer live tensors between the forward and the backward.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkpoint,
  dispose,
  exp,
  grad,
  layerNorm,
  matmul,
  memory,
  mul,
  normal,
  randomKey,
  splitKey,
  sum,
  tanh,
  add,
  sigmoid,
  tensor,
  tidy,
  valueAndGrad,
  type RandomKey,
  type Tensor,
} from "../src/index.js";
import { floats, prop, randomNd, Rand, seedArb } from "./helpers.js";

type Op = (x: Tensor, w: Tensor) => Tensor;
const OPS: readonly Op[] = [
  (x, w) => tanh(matmul(x, w)),
  (x, w) => mul(sigmoid(x), matmul(x, w)),
  (x) => layerNorm(x, [x.shape[1]!]),
  (x, w) => add(x, exp(mul(matmul(x, w), 0.1))),
  (x) => mul(x, x),
];

/** A random chain of ops: each block reads the running value and one weight matrix of the parameter list. */
function chain(ops: readonly Op[]) {
  return (x: Tensor, ws: readonly Tensor[]): Tensor => ops.reduce((h, op, i) => op(h, ws[i]!), x);
}

const f32 = (v: { data: Float64Array | number[]; shape: readonly number[] }) => tensor(Float32Array.from(v.data), { shape: [...v.shape] });

describe("checkpoint", () => {
  it("gives the same loss and gradients as the plain function on random chains (bitwise)", async () => {
    await prop(
      fc.record({ seed: seedArb, n: fc.integer({ min: 1, max: 4 }), d: fc.integer({ min: 1, max: 5 }), rows: fc.integer({ min: 1, max: 3 }), blocks: fc.integer({ min: 1, max: 3 }) }),
      ({ seed, n, d, rows, blocks }) => {
        const r = new Rand(seed);
        const ops = Array.from({ length: n }, () => r.pick(OPS));
        const x = f32(randomNd([rows, d], r, floats(-1, 1)));
        const ws = ops.map(() => f32(randomNd([d, d], r, floats(-1, 1))));
        // split the chain into `blocks` checkpointed segments
        const cuts = [...new Set([0, ...Array.from({ length: blocks - 1 }, () => r.int(0, n)), n])].sort((a, b) => a - b);
        const plain = (xx: Tensor, ww: readonly Tensor[]) => sum(mul(chain(ops)(xx, ww), 0.5));
        const ckpt = (xx: Tensor, ww: readonly Tensor[]) => {
          let h = xx;
          for (let k = 0; k + 1 < cuts.length; k++) {
            const seg = ops.slice(cuts[k], cuts[k + 1]);
            const off = cuts[k]!;
            h = checkpoint((hh: Tensor, www: readonly Tensor[]) => chain(seg)(hh, www.slice(off)))(h, ww);
          }
          return sum(mul(h, 0.5));
        };
        const [l1, g1] = valueAndGrad(plain, { argnums: [0, 1] })(x, ws);
        const [l2, g2] = valueAndGrad(ckpt, { argnums: [0, 1] })(x, ws);
        expect(l2.dataSync()).toEqual(l1.dataSync());
        const a = (g1 as [Tensor, Tensor[]]).flat();
        const b = (g2 as [Tensor, Tensor[]]).flat();
        a.forEach((t, i) => expect(b[i]!.dataSync(), `gradient ${i}`).toEqual(t.dataSync()));
        dispose([l1, l2, g1, g2, x, ws]);
      },
      25,
    );
  });

  it("leaves no tensors behind and keeps fewer alive between forward and backward", () => {
    const r = new Rand(7);
    const x = f32(randomNd([4, 16], r, floats(-1, 1)));
    const ws = Array.from({ length: 6 }, () => f32(randomNd([16, 16], r, floats(-0.5, 0.5))));
    const block = (h: Tensor, w: Tensor) => add(h, tanh(matmul(layerNorm(h, [16]), w)));
    const cblock = checkpoint(block);
    const liveAtLoss: Record<string, number> = {};
    for (const mode of ["plain", "checkpoint"] as const) {
      const before = memory().tensors;
      const f = (p: Tensor[]) => {
        const h = p.reduce((hh, w) => (mode === "plain" ? block(hh, w) : cblock(hh, w)), x);
        const loss = sum(h);
        liveAtLoss[mode] = memory().tensors - before;
        return loss;
      };
      const [loss, g] = tidy(() => valueAndGrad(f)(ws));
      dispose([loss, g]);
      expect(memory().tensors, `${mode}: nothing left`).toBe(before);
    }
    // plain keeps every block's intermediates on the tape; checkpointing keeps block boundaries only
    expect(liveAtLoss["checkpoint"]!).toBeLessThan(liveAtLoss["plain"]! / 2);
    dispose([x, ws]);
  });

  it("gradients of gradients through a checkpoint match the plain function", () => {
    const r = new Rand(3);
    const x = f32(randomNd([2, 3], r, floats(-1, 1)));
    const w = f32(randomNd([3, 3], r, floats(-1, 1)));
    const v = f32(randomNd([3, 3], r, floats(-1, 1)));
    const inner = (ww: Tensor) => tanh(matmul(x, mul(ww, ww)));
    for (const [name, f] of [
      ["plain", inner],
      ["checkpoint", checkpoint(inner)],
    ] as const) {
      const G = grad((ww: Tensor) => sum(f(ww)));
      const H = grad((ww: Tensor) => sum(mul(G(ww), v)));
      const h = H(w);
      (globalThis as Record<string, unknown>)[`__gg_${name}`] = Array.from(h.dataSync());
      h.dispose();
    }
    const g = globalThis as Record<string, unknown>;
    expect(g["__gg_checkpoint"]).toEqual(g["__gg_plain"]);
    delete g["__gg_checkpoint"];
    delete g["__gg_plain"];
    dispose([x, w, v]);
  });

  it("replays randomness from keys, passes through several results, and is plain fn outside grad", () => {
    const r = new Rand(11);
    const x = f32(randomNd([3, 4], r, floats(-1, 1)));
    const key: RandomKey = randomKey(5);
    const noisy = (h: Tensor, k: RandomKey) => {
      const [k1] = splitKey(k, 1);
      const n = normal(k1!, h.shape);
      return { a: mul(h, n), b: [tanh(h)] };
    };
    const loss = (f: typeof noisy) => (h: Tensor) => {
      const o = f(h, key);
      return add(sum(mul(o.a, o.a)), sum(o.b[0]!));
    };
    const [l1, g1] = valueAndGrad(loss(noisy))(x);
    const [l2, g2] = valueAndGrad(loss(checkpoint(noisy)))(x);
    expect(l2.dataSync()).toEqual(l1.dataSync());
    expect(g2.dataSync()).toEqual(g1.dataSync());
    const direct = tidy(() => checkpoint(noisy)(x, key).a.dataSync());
    expect(direct).toEqual(tidy(() => noisy(x, key).a.dataSync()));
    dispose([l1, g1, l2, g2, x]);
  });

  it("refuses a differentiated tensor that the function reads without taking it as an argument", () => {
    const x = tensor([1, 2, 3]);
    const w = tensor([0.5, 0.5, 0.5]);
    const f = (xx: Tensor, ww: Tensor) => sum(checkpoint((a: Tensor) => mul(a, ww))(xx));
    expect(() => grad(f, { argnums: [0, 1] })(x, w)).toThrow(/checkpoint: mul read tensor #\d+ \[3\], which is being differentiated but was not passed as an argument/);
    // a frozen tensor read from the closure is fine
    const g = grad((xx: Tensor) => sum(checkpoint((a: Tensor) => mul(a, w))(xx)))(x);
    expect(Array.from(g.dataSync())).toEqual([0.5, 0.5, 0.5]);
    dispose([x, w, g]);
  });
});
