import type { KernelAttrs } from "../backend/backend.js";
import { stopGradient as stopGrad } from "../autograd/grad.js";
import { floatResult } from "../dtype.js";
import { tidy } from "../engine/tidy.js";
import { normAxes, normAxis, sizeOf } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { abs, add, cast, div, eq, exp, log, logicalAnd, mul, pow, sqrt, square, sub, where } from "./elementwise.js";
import { runKernel, type KernelOpDef } from "./registry.js";
import { expand, reshape } from "./shape.js";
import { castTo } from "./util.js";

/** Which dims to reduce: one axis, several, or all when omitted. */
export type Axes = number | readonly number[] | undefined;

/** Options shared by the reductions. */
export interface ReduceOptions {
  /** Keep reduced dims as size 1 (default false). */
  keepdim?: boolean;
}

function reduced(x: Tensor, axes: readonly number[], keepdim: boolean): number[] {
  return keepdim ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
}

function reduce(kind: "sum" | "prod" | "max" | "min", x: Tensor, axes: Axes, keepdim: boolean): Tensor {
  x.assertLive(kind);
  const list = normAxes(kind, axes, x.rank);
  if ((kind === "max" || kind === "min") && list.some((a) => x.shape[a] === 0)) {
    throw new Error(`${kind}: cannot reduce over an empty dimension of shape [${x.shape.join(",")}]`);
  }
  return tidy(() => {
    // sums of ints and bools accumulate as int32 (torch gives int64); floats keep their dtype
    const src = kind === "sum" || kind === "prod" ? (x.dtype === "bool" ? castTo(x, "int32") : x) : x;
    const r = runKernel(kind, [src], { axes: list });
    return keepdim ? r : reshape(r, reduced(x, list, false));
  });
}

/** Sum over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  return reduce("sum", x, axes, options.keepdim ?? false);
}

/** Product over `axes`. */
export function prod(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  return reduce("prod", x, axes, options.keepdim ?? false);
}

/** Maximum over `axes` (NaN propagates). */
export function max(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  return reduce("max", x, axes, options.keepdim ?? false);
}

/** Minimum over `axes`. */
export function min(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  return reduce("min", x, axes, options.keepdim ?? false);
}

/** Mean over `axes`; integer inputs give float32. */
export function mean(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  const list = normAxes("mean", axes, x.rank);
  const n = sizeOf(list.map((a) => x.shape[a]!));
  return tidy(() => div(sum(castTo(x, floatResult(x.dtype)), list, options), n));
}

function argReduce(kind: "argmax" | "argmin", x: Tensor, axis: number | undefined, keepdim: boolean): Tensor {
  return tidy(() => {
    if (axis === undefined) {
      const flat = reshape(x, [x.size]);
      const r = runKernel(kind, [flat], { axis: 0 });
      return keepdim ? reshape(r, x.shape.map(() => 1)) : reshape(r, []);
    }
    const a = normAxis(kind, axis, x.rank);
    if (x.shape[a] === 0) throw new Error(`${kind}: cannot reduce over an empty dimension of shape [${x.shape.join(",")}]`);
    const r = runKernel(kind, [x], { axis: a });
    return keepdim ? r : reshape(r, reduced(x, [a], false));
  });
}

/** Index (int32) of the first maximum along `axis` (over the flattened tensor when omitted). */
export function argmax(x: Tensor, axis?: number, options: ReduceOptions = {}): Tensor {
  return argReduce("argmax", x, axis, options.keepdim ?? false);
}

/** Index (int32) of the first minimum along `axis`. */
export function argmin(x: Tensor, axis?: number, options: ReduceOptions = {}): Tensor {
  return argReduce("argmin", x, axis, options.keepdim ?? false);
}

/** log(sum(exp(x))) over `axes`, computed stably. */
export function logsumexp(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  const list = normAxes("logsumexp", axes, x.rank);
  return tidy(() => {
    const xf = castTo(x, floatResult(x.dtype));
    // the shift is a constant for autograd; where it is infinite use 0 so that inf - inf does not appear
    const m = runKernel("max", [xf], { axes: list });
    const shiftConst = stopGrad(where(eq(abs(m), Infinity), 0, m));
    const s = sum(exp(sub(xf, shiftConst)), list, { keepdim: true });
    const r = add(log(s), shiftConst);
    return options.keepdim ? r : reshape(r, reduced(x, list, false));
  });
}

/** Options of var/std. */
export interface VarOptions extends ReduceOptions {
  /** Degrees of freedom removed from the count (1 = Bessel's correction, the default as in torch). */
  correction?: number;
}

/** Variance over `axes` with `correction` (default 1). */
export function variance(x: Tensor, axes?: Axes, options: VarOptions = {}): Tensor {
  const list = normAxes("var", axes, x.rank);
  const n = sizeOf(list.map((a) => x.shape[a]!));
  const dof = Math.max(0, n - (options.correction ?? 1));
  return tidy(() => {
    const xf = castTo(x, floatResult(x.dtype));
    const mu = mean(xf, list, { keepdim: true });
    return div(sum(square(sub(xf, mu)), list, options), dof);
  });
}

/** Standard deviation over `axes` with `correction` (default 1). */
export function std(x: Tensor, axes?: Axes, options: VarOptions = {}): Tensor {
  return tidy(() => sqrt(variance(x, axes, options)));
}

/** p-norm over `axes` (default p = 2, all elements): (sum |x|^p)^(1/p); p = Infinity gives max |x|. */
export function norm(x: Tensor, p = 2, axes?: Axes, options: ReduceOptions = {}): Tensor {
  return tidy(() => {
    const xf = castTo(x, floatResult(x.dtype));
    if (p === Infinity) return max(abs(xf), axes, options);
    if (p === 1) return sum(abs(xf), axes, options);
    // the root has an infinite derivative at 0; mask it so that a zero vector gets the zero subgradient (as torch)
    const s = p === 2 ? sum(square(xf), axes, options) : sum(pow(abs(xf), p), axes, options);
    const isZero = eq(s, 0);
    const safe = where(isZero, 1, s);
    return where(isZero, 0, p === 2 ? sqrt(safe) : pow(safe, 1 / p));
  });
}

/** Gradient of a max/min reduction: split evenly between the tied extremes, as torch's amax/amin. */
function extremeVjp(g: Tensor, ctx: { inputs: readonly Tensor[]; output: Tensor }): Tensor[] {
  const x = ctx.inputs[0]!;
  const mask = cast(eq(x, expand(ctx.output, x.shape)), g.dtype);
  const count = runKernel("sum", [mask], { axes: x.shape.map((_, i) => i).filter((i) => ctx.output.shape[i] === 1 && x.shape[i] !== 1) });
  return [mul(expand(div(g, count), x.shape), mask)];
}

/** Registry entries of the reductions. */
export const reduceDefs: { [K in "sum" | "prod" | "max" | "min" | "argmax" | "argmin"]: KernelOpDef<KernelAttrs[K]> } = {
  sum: {
    infer: ([x], { axes }) => ({ shape: x!.shape.map((d, i) => (axes.includes(i) ? 1 : d)), dtype: x!.dtype }),
    vjp: (g, { inputs: [x] }) => [expand(g, x!.shape)],
  },
  prod: {
    infer: ([x], { axes }) => ({ shape: x!.shape.map((d, i) => (axes.includes(i) ? 1 : d)), dtype: x!.dtype }),
    vjp: (g, { inputs: [x], attrs }) => {
      // d/dx_i of the product is the product of the other entries. Dividing the output by x_i fails where x_i = 0,
      // so count the zeros of each group: none -> P / x_i; one -> P' at the zero (P' = product of the nonzero
      // entries) and 0 elsewhere; more -> 0.
      const zero = eq(x!, 0);
      const safe = where(zero, 1, x!);
      const nonzeroProd = expand(runKernel("prod", [safe], { axes: attrs.axes }), x!.shape);
      const zeros = expand(runKernel("sum", [cast(zero, "int32")], { axes: attrs.axes }), x!.shape);
      const others = where(eq(zeros, 0), div(nonzeroProd, safe), where(logicalAnd(eq(zeros, 1), zero), nonzeroProd, 0));
      return [mul(expand(g, x!.shape), others)];
    },
  },
  max: {
    infer: ([x], { axes }) => ({ shape: x!.shape.map((d, i) => (axes.includes(i) ? 1 : d)), dtype: x!.dtype }),
    vjp: extremeVjp,
  },
  min: {
    infer: ([x], { axes }) => ({ shape: x!.shape.map((d, i) => (axes.includes(i) ? 1 : d)), dtype: x!.dtype }),
    vjp: extremeVjp,
  },
  argmax: { infer: ([x], { axis }) => ({ shape: x!.shape.map((d, i) => (i === axis ? 1 : d)), dtype: "int32" }), vjp: "nondifferentiable" },
  argmin: { infer: ([x], { axis }) => ({ shape: x!.shape.map((d, i) => (i === axis ? 1 : d)), dtype: "int32" }), vjp: "nondifferentiable" },
};
