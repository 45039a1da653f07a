/**
 * Gradient checking: the VJP of a random projection, loss = sum(f(x) * r), against central finite differences
 * in float64 on the CPU backend; and a device's float32 gradients against the CPU's float64 ones.
 */
import { expect } from "vitest";
import { dispose, memory, mul, noGrad, sum, tensor, tidy, valueAndGrad, type Device, type DType, type Tensor } from "../src/index.js";
import { floats, randomNd, type Rand } from "./helpers.js";
import type { ConstInput, GradSpec } from "./grad-cases.js";
import { Nd } from "./reference.js";

function makeConsts(consts: readonly ConstInput[] | undefined, floatDType: DType, device: Device): Tensor[] {
  return (consts ?? []).map((c) => tensor(Float64Array.from(c.ref.data), { dtype: c.dtype === "float" ? floatDType : c.dtype, shape: [...c.ref.shape], device }));
}

/** Builds the projected loss of a spec: (...xs) => sum(f(xs) * r), with r random of f's output shape. */
function projected(spec: GradSpec, cs: Tensor[], xs: Tensor[], r: Rand, floatDType: DType, device: Device, rRef?: Nd) {
  const shape = noGrad(() => tidy(() => spec.f(xs, cs).shape));
  const proj = rRef ?? randomNd(shape, r, floats(-1, 1));
  const rT = tensor(Float64Array.from(proj.data), { dtype: floatDType, shape: [...shape], device });
  const loss = (...ts: Tensor[]) => sum(mul(spec.f(ts, cs), rT));
  return { loss, rT, proj };
}

export interface FdTolerance {
  h: number;
  atol: number;
  rtol: number;
}

/**
 * Checks every gradient entry of a spec against central differences (L(x + h e_i) - L(x - h e_i)) / 2h, all in
 * float64 on the CPU. Also checks that the gradient computation leaves no tensor behind.
 */
export function checkGradFD(spec: GradSpec, r: Rand, tol: Partial<FdTolerance> = {}): void {
  const { h, atol, rtol } = { h: 1e-6, atol: 2e-6, rtol: 1e-5, ...spec.fd, ...tol };
  const before = memory().tensors;
  const cs = makeConsts(spec.consts, "float64", "cpu");
  const make = (refs: readonly Nd[]) => spec.inputs.map((input, i) => input.withValues(refs[i]!).make("float64", "cpu"));
  const refs = spec.inputs.map((i) => i.ref);
  const xs = make(refs);
  const { loss, rT } = projected(spec, cs, xs, r, "float64", "cpu");
  const argnums = xs.map((_, i) => i);
  const [value, grads] = valueAndGrad(loss, { argnums })(...xs);
  const analytic = (grads as Tensor[]).map((g) => g.dataSync());
  (grads as Tensor[]).forEach((g, i) => {
    expect(g.shape, `${spec.label}: gradient ${i} shape`).toEqual(xs[i]!.shape);
    expect(g.dtype, `${spec.label}: gradient ${i} dtype`).toBe("float64");
  });
  const evalAt = (vals: readonly Nd[]) =>
    noGrad(() =>
      tidy(() => {
        const ts = make(vals);
        return loss(...ts).dataSync()[0]!;
      }),
    );
  const bad: string[] = [];
  refs.forEach((ref, i) => {
    for (let j = 0; j < ref.size; j++) {
      const plus = refs.map((x, k) => (k === i ? perturbed(x, j, h) : x));
      const minus = refs.map((x, k) => (k === i ? perturbed(x, j, -h) : x));
      const fd = (evalAt(plus) - evalAt(minus)) / (2 * h);
      const an = analytic[i]![j]!;
      if (!(Math.abs(an - fd) <= atol + rtol * Math.max(Math.abs(an), Math.abs(fd))) && bad.length < 6) {
        bad.push(`input ${i} [${ref.shape}] element ${j}: vjp ${an}, finite difference ${fd}`);
      }
    }
  });
  dispose([xs, cs, rT, value, grads]);
  if (bad.length) expect.fail(`${spec.label}: VJP differs from central differences (h ${h}, atol ${atol}, rtol ${rtol}):\n  ${bad.join("\n  ")}`);
  expect(memory().tensors, `${spec.label}: live tensors after the gradient check (leak)`).toBe(before);
}

function perturbed(x: Nd, j: number, d: number): Nd {
  const y = new Nd(x.shape, x.data);
  y.data[j] = x.data[j]! + d;
  return y;
}

/**
 * Gradients of a spec on `device` in float32 against the CPU's float64 gradients of the same projection:
 * |g32 - g64| <= tol.atol * (1 + max |g64|) + tol.rtol * |g64|.
 */
export async function checkGradOnDevice(spec: GradSpec, r: Rand, device: Device, tol: { rtol: number; atol: number }): Promise<void> {
  const refs = spec.inputs.map((i) => i.ref);
  const run = (dtype: DType, dev: Device, proj?: Nd) => {
    const cs = makeConsts(spec.consts, dtype, dev);
    const xs = refs.map((ref, i) => spec.inputs[i]!.withValues(ref).make(dtype, dev));
    const p = projected(spec, cs, xs, r, dtype, dev, proj);
    const [value, grads] = valueAndGrad(p.loss, { argnums: xs.map((_, i) => i) })(...xs);
    return { grads: grads as Tensor[], proj: p.proj, hold: [cs, xs, p.rT, value] };
  };
  const want = run("float64", "cpu");
  const got = run("float32", device, want.proj);
  try {
    for (let i = 0; i < refs.length; i++) {
      const w = want.grads[i]!.dataSync();
      const g = await got.grads[i]!.data();
      expect(got.grads[i]!.dtype).toBe("float32");
      expect(got.grads[i]!.device).toBe(device);
      let scale = 1;
      for (let j = 0; j < w.length; j++) scale = Math.max(scale, 1 + Math.abs(w[j]!));
      const bad: string[] = [];
      for (let j = 0; j < w.length; j++) {
        if (!(Math.abs(g[j]! - w[j]!) <= tol.atol * scale + tol.rtol * Math.abs(w[j]!)) && bad.length < 5) bad.push(`element ${j}: ${device} float32 ${g[j]}, cpu float64 ${w[j]}`);
      }
      if (bad.length) expect.fail(`${spec.label}: gradient ${i} on ${device} differs from the float64 CPU gradient:\n  ${bad.join("\n  ")}`);
    }
  } finally {
    dispose([want.grads, want.hold, got.grads, got.hold]);
  }
}
