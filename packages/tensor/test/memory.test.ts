/**
 * Memory: tidy / keep / dispose / `using` / scope, live-tensor accounting, errors on disposed tensors, and a
 * 200-step training loop whose live-tensor count must be the same after every step.
 */
import { describe, expect, it } from "vitest";
import {
  add,
  dispose,
  exp,
  keep,
  matmul,
  mean,
  memory,
  mul,
  randomKey,
  normal,
  relu,
  reshape,
  scope,
  splitKey,
  square,
  sub,
  sum,
  tensor,
  tidy,
  transpose,
  valueAndGrad,
  mapTree,
  zeros,
  type Device,
  type Tensor,
} from "../src/index.js";
import { testDevices } from "./helpers.js";

describe("tidy, keep, dispose, using, scope", () => {
  it("tidy disposes every tensor made inside except the result tree", () => {
    const x = tensor([1, 2, 3]);
    const before = memory().tensors;
    const out = tidy(() => {
      const a = mul(x, 2);
      const b = exp(a);
      return { sum: sum(b), parts: [a, "label", 3] as const };
    });
    expect(memory().tensors).toBe(before + 2);
    expect(out.parts[1]).toBe("label");
    expect(Array.from(out.parts[0].dataSync())).toEqual([2, 4, 6]);
    dispose(out);
    expect(memory().tensors).toBe(before);
  });

  it("nested tidy: the inner result belongs to the outer scope", () => {
    const before = memory().tensors;
    let inner: Tensor | undefined;
    const outer = tidy(() => {
      inner = tidy(() => add(tensor([1]), 1));
      expect(inner.isDisposed).toBe(false);
      return mul(inner, 3);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(outer.dataSync()[0]).toBe(6);
    outer.dispose();
    expect(memory().tensors).toBe(before);
  });

  it("keep protects a tensor from every enclosing tidy", () => {
    const before = memory().tensors;
    let kept: Tensor | undefined;
    tidy(() => {
      tidy(() => {
        kept = keep(tensor([7]));
        tensor([8]);
      });
    });
    expect(kept!.isDisposed).toBe(false);
    expect(memory().tensors).toBe(before + 1);
    kept!.dispose();
    expect(memory().tensors).toBe(before);
  });

  it("tidy disposes everything when the function throws, and refuses async functions", async () => {
    const before = memory().tensors;
    expect(() =>
      tidy(() => {
        tensor([1]);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(memory().tensors).toBe(before);
    expect(() => tidy(async () => tensor([1]))).toThrow(/tidy: the function returned a Promise/);
    expect(memory().tensors).toBe(before);
  });

  it("`using` disposes a tensor, and a scope, at the end of the block", () => {
    const before = memory().tensors;
    let seen: Tensor | undefined;
    {
      using t = tensor([1, 2]);
      seen = t;
      expect(memory().tensors).toBe(before + 1);
    }
    expect(seen!.isDisposed).toBe(true);
    let survivor: Tensor | undefined;
    {
      using s = scope();
      const a = tensor([1, 2]);
      survivor = s.keep(mul(a, 2));
      exp(a);
    }
    expect(survivor!.isDisposed).toBe(false);
    expect(memory().tensors).toBe(before + 1);
    survivor!.dispose();
    expect(memory().tensors).toBe(before);
  });

  it("dispose is idempotent and dispose(tree) disposes every tensor of a tree", () => {
    const before = memory().tensors;
    const tree = { a: tensor([1]), b: [tensor([2]), { c: tensor([3]) }], d: 4 };
    dispose(tree);
    dispose(tree);
    expect(memory().tensors).toBe(before);
  });

  it("views share storage: the storage lives until its last view is disposed", () => {
    const before = memory();
    const base = tensor(new Float32Array(12), { shape: [3, 4] });
    const view = transpose(base);
    expect(memory().tensors).toBe(before.tensors + 2);
    expect(memory().storages).toBe(before.storages + 1);
    expect(memory().bytes.cpu).toBe((before.bytes.cpu ?? 0) + 48);
    base.dispose();
    expect(memory().storages).toBe(before.storages + 1);
    expect(view.dataSync()).toHaveLength(12);
    view.dispose();
    expect(memory().storages).toBe(before.storages);
    expect(memory().bytes.cpu).toBe(before.bytes.cpu ?? 0);
  });

  it("a disposed tensor gives a clear error naming the op when used", async () => {
    const t = tensor([1, 2]);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => add(t, 1)).toThrow(new RegExp(`^add: tensor #${t.id} \\[2\\] was disposed$`));
    expect(() => mul(t, t)).toThrow(/mul: tensor #\d+ \[2\] was disposed/);
    expect(() => reshape(t, [2, 1])).toThrow(/reshape: tensor #\d+ \[2\] was disposed/);
    expect(() => matmul(t, t)).toThrow(/matmul: tensor #\d+ \[2\] was disposed/);
    expect(() => t.dataSync()).toThrow(/dataSync: tensor #\d+ \[2\] was disposed/);
    await expect(t.data()).rejects.toThrow(/data: tensor #\d+ \[2\] was disposed/);
    await expect(t.item()).rejects.toThrow(/was disposed|item/);
  });
});

const devices = await testDevices();

describe.each(devices)("a training loop keeps memory flat on %s", (device: Device) => {
  it("200 SGD steps of a 2-layer MLP: memory().tensors is the same after every step, and the loss falls", async () => {
    // regression of y = sin(x0) + x1^2 / 2 with a 2-16-1 MLP
    const [k1, k2, k3] = splitKey(randomKey(0), 3);
    const x = normal(k1!, [64, 2], { device });
    const xs = await x.data();
    const y = tensor(Float32Array.from({ length: 64 }, (_, i) => Math.sin(xs[2 * i]!) + xs[2 * i + 1]! ** 2 / 2), { shape: [64, 1], device });
    let params = {
      w1: tidy(() => mul(normal(k2!, [2, 16], { device }), 0.5)),
      b1: zeros([16], { device }),
      w2: tidy(() => mul(normal(k3!, [16, 1], { device }), 0.25)),
      b2: zeros([1], { device }),
    };
    const lossFn = (p: typeof params) => {
      const h = relu(add(matmul(x, p.w1), p.b1));
      const out = add(matmul(h, p.w2), p.b2);
      return mean(square(sub(out, y)));
    };
    const lr = 0.05;
    const counts: number[] = [];
    const storages: number[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 200; step++) {
      const old = params;
      const { next, loss } = tidy(() => {
        const [l, g] = valueAndGrad(lossFn)(old);
        const updated = mapTree((p, gp) => sub(p, mul(gp, lr)), old, g);
        return { next: keep(updated), loss: keep(l) };
      });
      dispose(old);
      params = next;
      if (step === 0 || step === 199) losses.push(await loss.item());
      loss.dispose();
      counts.push(memory().tensors);
      storages.push(memory().storages);
    }
    expect(new Set(counts).size, `live tensors per step: ${[...new Set(counts)].join(", ")}`).toBe(1);
    expect(new Set(storages).size).toBe(1);
    expect(losses[1]!).toBeLessThan(losses[0]! * 0.5);
    dispose([params, x, y]);
  });
});
