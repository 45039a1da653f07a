/**
 * grad / valueAndGrad error paths leave nothing behind: every tensor made inside a call that throws is freed
 * (live tensors, storages and bytes back where they were), and the next call works.
 */
import { describe, expect, it } from "vitest";
import { cast, grad, memory, mul, sum, tensor, valueAndGrad, type Tensor } from "../src/index.js";

/** Runs `fn`, expects it to throw matching `message`, and expects no tensor, storage or byte to be left. */
function throwsWithoutLeaks(fn: () => unknown, message: RegExp): void {
  const before = memory();
  expect(fn).toThrow(message);
  const after = memory();
  expect(after.tensors, "live tensors").toBe(before.tensors);
  expect(after.storages, "live storages").toBe(before.storages);
  expect(after.bytes, "live bytes").toEqual(before.bytes);
}

describe("grad and valueAndGrad errors do not leak", () => {
  const x = tensor([1, 2, 3]);

  it("a non-scalar loss", () => {
    throwsWithoutLeaks(() => valueAndGrad((t: Tensor) => mul(t, 2))(x), /one-element float tensor, got \[3\]/);
    throwsWithoutLeaks(() => grad((t: Tensor) => mul(mul(t, 2), t))(x), /one-element float tensor, got \[3\]/);
  });

  it("an integer loss", () => {
    throwsWithoutLeaks(() => valueAndGrad((t: Tensor) => cast(sum(t), "int32"))(x), /one-element float tensor, got \[\] int32/);
  });

  it("a result that is not a tensor (the tensors inside it are freed)", () => {
    throwsWithoutLeaks(() => valueAndGrad((t: Tensor) => [sum(t), mul(t, 3)] as unknown as Tensor)(x), /must return a tensor/);
    throwsWithoutLeaks(() => valueAndGrad((t: Tensor) => ({ loss: sum(t) }) as unknown as Tensor)(x), /must return a tensor/);
  });

  it("hasAux with a non-scalar first element frees the aux tensors too", () => {
    throwsWithoutLeaks(() => valueAndGrad((t: Tensor) => [mul(t, 2), { aux: mul(t, 4) }] as const, { hasAux: true })(x), /one-element float tensor/);
  });

  it("a non-float argument and an argnums out of range", () => {
    const i = tensor([1], { dtype: "int32" });
    throwsWithoutLeaks(() => valueAndGrad((p: { a: Tensor; i: Tensor }) => sum(mul(p.a, 2)))({ a: x, i }), /cannot differentiate w.r.t. a int32 tensor/);
    throwsWithoutLeaks(() => valueAndGrad((t: Tensor) => sum(t), { argnums: 2 })(x), /argnums 2 is out of range/);
  });

  it("nested: an inner non-scalar loss inside an outer grad", () => {
    throwsWithoutLeaks(() => grad((t: Tensor) => sum(grad((u: Tensor) => mul(u, u))(t)))(x), /one-element float tensor/);
  });

  it("the next call after an error works and leaks nothing", () => {
    expect(() => valueAndGrad((t: Tensor) => mul(t, 2))(x)).toThrow();
    const before = memory().tensors;
    const [v, g] = valueAndGrad((t: Tensor) => sum(mul(t, t)))(x);
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6]);
    expect(v.dataSync()[0]).toBe(14);
    v.dispose();
    g.dispose();
    expect(memory().tensors).toBe(before);
  });
});
