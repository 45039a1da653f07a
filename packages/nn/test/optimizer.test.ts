/**
 * The stateful optimizers (`sgd(...).init(params)`, `adamw(...)`): the same numbers as the functional steps,
 * a flat live-tensor count over a training loop, and the documented ownership of params, state and gradients.
 */
import { describe, expect, it } from "vitest";
import { add, dispose, matmul, mean, memory, square, sub, tensor, valueAndGrad, type Tensor } from "@diva/tensor";
import { adamw, adamwInit, adamwStep, cosineWithWarmup, disposeReplaced, sgd, sgdInit, sgdStep, type SgdOptions, type AdamWOptions } from "../src/index.js";

interface Params {
  w: Tensor;
  b: Tensor;
}

/** A least-squares problem: 8 points in 3-D, 2 outputs. */
function problem() {
  const x = tensor(Array.from({ length: 24 }, (_, i) => Math.sin(i + 1)), { shape: [8, 3] });
  const y = tensor(Array.from({ length: 16 }, (_, i) => Math.cos(2 * i)), { shape: [8, 2] });
  const init = (): Params => ({ w: tensor([[0.1, -0.2], [0.3, 0.05], [-0.4, 0.2]]), b: tensor([0.01, -0.02]) });
  const loss = (p: Params) => mean(square(sub(add(matmul(x, p.w), p.b), y)));
  return { x, y, init, loss, free: () => dispose([x, y]) };
}

/** 50 steps of the functional API, with the caller's bookkeeping. */
function functionalLoop<S>(
  lossFn: (p: Params) => Tensor,
  start: Params,
  init: S,
  step: (p: Params, g: Params, s: S, i: number) => [Params, S],
  steps: number,
): Params {
  let p = start;
  let s = init;
  for (let i = 0; i < steps; i++) {
    const [loss, g] = valueAndGrad(lossFn)(p);
    const [np, ns] = step(p, g, s, i);
    if (i > 0) disposeReplaced(p, np);
    disposeReplaced(s, ns);
    dispose(g);
    loss.dispose();
    p = np;
    s = ns;
  }
  dispose(s);
  return p;
}

const values = (p: Params) => ({ w: Array.from(p.w.dataSync()), b: Array.from(p.b.dataSync()) });

describe("sgd(...).init(params)", () => {
  it("50 steps: flat live-tensor count and the functional API's numbers exactly", () => {
    const pb = problem();
    const options: SgdOptions = { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 };
    const start = pb.init();
    const baseline = memory().tensors;

    let params = start;
    const opt = sgd(options).init(params);
    const counts: number[] = [];
    for (let i = 0; i < 50; i++) {
      const [loss, grads] = valueAndGrad(pb.loss)(params);
      params = opt.step(params, grads);
      loss.dispose();
      counts.push(memory().tensors);
    }
    // after the first step: the new params (2) and the momentum buffers (2), then nothing more per step
    expect(counts[0]).toBe(baseline + 4);
    expect(new Set(counts)).toEqual(new Set([baseline + 4]));
    expect(start.w.isDisposed).toBe(false); // the caller's initial parameters stay theirs
    opt.dispose();
    expect(memory().tensors).toBe(baseline + 2); // the trained params
    expect(params.w.isDisposed).toBe(false);

    const want = functionalLoop(pb.loss, start, sgdInit<Params>(), (p, g, s) => sgdStep(p, g, s, options), 50);
    expect(values(params)).toEqual(values(want));
    dispose([params, want, start]);
    pb.free();
  });

  it("takes a schedule as lr: the functional step with each step's rate", () => {
    const pb = problem();
    const schedule = (step: number) => cosineWithWarmup(step, { lr: 0.1, totalSteps: 20, warmupSteps: 5 });
    const start = pb.init();
    let params = start;
    const opt = sgd({ lr: schedule, momentum: 0.9 }).init(params);
    expect(opt.nextLr).toBeCloseTo(0.02, 12);
    for (let i = 0; i < 20; i++) {
      const [loss, grads] = valueAndGrad(pb.loss)(params);
      params = opt.step(params, grads);
      loss.dispose();
    }
    expect(opt.stepCount).toBe(20);
    const want = functionalLoop(pb.loss, start, sgdInit<Params>(), (p, g, s, i) => sgdStep(p, g, s, { lr: 0, momentum: 0.9 }, schedule(i)), 20);
    expect(values(params)).toEqual(values(want));
    opt.dispose();
    dispose([params, want, start]);
    pb.free();
  });

  it("disposes what it replaced: its previous params, its previous state and the gradients", () => {
    const pb = problem();
    const start = pb.init();
    const opt = sgd({ lr: 0.1, momentum: 0.5 }).init(start);
    const [l1, g1] = valueAndGrad(pb.loss)(start);
    const p1 = opt.step(start, g1);
    const m1 = opt.state.momentum!;
    expect([g1.w.isDisposed, g1.b.isDisposed]).toEqual([true, true]);
    expect(start.w.isDisposed).toBe(false);
    const [l2, g2] = valueAndGrad(pb.loss)(p1);
    const p2 = opt.step(p1, g2);
    expect([p1.w.isDisposed, p1.b.isDisposed, m1.w.isDisposed, m1.b.isDisposed]).toEqual([true, true, true, true]);
    expect([p2.w.isDisposed, opt.state.momentum!.w.isDisposed]).toEqual([false, false]);
    opt.dispose();
    opt.dispose();
    expect(p2.w.isDisposed).toBe(false);
    expect(() => opt.step(p2, p2)).toThrow(/optimizer\.step: the optimizer was disposed/);
    dispose([l1, l2, p2, start]);
    pb.free();
  });

  it("keepGrads leaves the gradients to the caller", () => {
    const pb = problem();
    const start = pb.init();
    const opt = sgd({ lr: 0.1 }).init(start, { keepGrads: true });
    const [loss, grads] = valueAndGrad(pb.loss)(start);
    const p1 = opt.step(start, grads);
    expect(grads.w.isDisposed).toBe(false);
    opt.dispose();
    dispose([loss, grads, p1, start]);
    pb.free();
  });

  it("refuses parameters whose names or shapes differ from init's, disposing nothing", () => {
    const pb = problem();
    const start = pb.init();
    const opt = sgd({ lr: 0.1 }).init(start);
    const wrong = { w: tensor([[1, 2]]), b: start.b };
    const grads = { w: tensor([[1, 2]]), b: tensor([0, 0]) };
    expect(() => opt.step(wrong, grads)).toThrow('optimizer.step: parameter "w" has shape [1,2], but [3,2] at init');
    expect(() => opt.step({ w: start.w } as Params, grads)).toThrow('optimizer.step: parameter "b" is missing');
    expect(grads.w.isDisposed).toBe(false);
    expect(() => sgd({ lr: Number.NaN }).init(start)).toThrow(/learning rate at step 0 is NaN/);
    opt.dispose();
    dispose([wrong.w, grads, start]);
    pb.free();
  });
});

describe("adamw(...).init(params)", () => {
  it("50 steps: flat live-tensor count and the functional API's numbers exactly", () => {
    const pb = problem();
    const options: AdamWOptions = { lr: 0.01, weightDecay: 0.01 };
    const start = pb.init();
    const baseline = memory().tensors;
    let params = start;
    const opt = adamw(options).init(params);
    const counts: number[] = [];
    for (let i = 0; i < 50; i++) {
      const [loss, grads] = valueAndGrad(pb.loss)(params);
      params = opt.step(params, grads);
      loss.dispose();
      counts.push(memory().tensors);
    }
    // params (2), first and second moments (2 + 2)
    expect(new Set(counts)).toEqual(new Set([baseline + 6]));
    opt.dispose();
    expect(memory().tensors).toBe(baseline + 2);
    const want = functionalLoop(pb.loss, start, adamwInit<Params>(), (p, g, s) => adamwStep(p, g, s, options), 50);
    expect(values(params)).toEqual(values(want));
    dispose([params, want, start]);
    pb.free();
  });
});
