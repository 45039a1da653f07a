/**
 * Fused layer and group normalisation: the public functions and their registry entries. The kernels compute
 * the mean, the biased variance (two passes), the normalisation, the affine and (group norm) an activation
 * in one op; the VJPs use the fused backward `normGrad` (whose own VJP is written with ops, so gradients of
 * gradients work).
 */
import type { KernelAttrs, NormActivation } from "../backend/backend.js";
import { isFloat } from "../dtype.js";
import { fmt } from "../shape.js";
import { Tensor } from "../tensor.js";
import { mul, siluDerivative } from "./elementwise.js";
import { normGrad } from "./norm-grad.js";
import { runKernel, type KernelOpDef } from "./registry.js";
import { sum } from "./reduce.js";
import { reshape } from "./shape.js";
import { castTo } from "./util.js";
import { tidy } from "../engine/tidy.js";

/** Options of layerNorm (the form that reads better than positional arguments). */
export interface LayerNormOptions {
  /** Elementwise scale of the normalized shape. */
  weight?: Tensor | null;
  /** Elementwise shift of the normalized shape. */
  bias?: Tensor | null;
  /** Variance epsilon (default 1e-5). */
  eps?: number;
}

/** Options of groupNorm. */
export interface GroupNormOptions {
  /** Per-channel scale [C]. */
  weight?: Tensor | null;
  /** Per-channel shift [C]. */
  bias?: Tensor | null;
  /** Variance epsilon (default 1e-5). */
  eps?: number;
  /** Activation of the result, fused into the kernel (default "none"; "silu" for GroupNorm then SiLU). */
  activation?: NormActivation;
}

function checkInput(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new Error(`${op}: expected a float tensor, got ${x.dtype} ${fmt(x.shape)}`);
}

function checkParamDtype(op: string, name: string, p: Tensor, x: Tensor): void {
  // mixed precision: float16 affine parameters (a frozen model stored in half) serve a float32 input
  if (p.dtype === "float16" && x.dtype === "float32") return;
  if (p.dtype !== x.dtype) throw new Error(`${op}: ${name} dtype ${p.dtype} differs from the input's ${x.dtype} (input ${fmt(x.shape)})`);
}

/** Runs a norm kernel with its affine inputs in x's dtype (float16 parameters are widened, a few KB). */
function runNorm<K extends "layerNorm" | "groupNorm">(name: K, x: Tensor, params: (Tensor | null | undefined)[], attrs: KernelAttrs[K]): Tensor {
  const ps = params.filter((p): p is Tensor => !!p);
  if (ps.every((p) => p.dtype === x.dtype)) return runKernel(name, [x, ...ps], attrs);
  return tidy(() => runKernel(name, [x, ...ps.map((p) => castTo(p, x.dtype))], attrs));
}

function resolve<O extends { weight?: Tensor | null; bias?: Tensor | null; eps?: number }>(
  weightOrOptions: Tensor | O | null | undefined,
  bias: Tensor | null | undefined,
  eps: number | undefined,
): O {
  if (weightOrOptions instanceof Tensor || weightOrOptions === null || weightOrOptions === undefined) {
    return { weight: weightOrOptions ?? null, bias: bias ?? null, eps } as O;
  }
  return weightOrOptions;
}

/**
 * Layer normalisation over the trailing dims `normalizedShape` (torch.nn.functional.layer_norm): biased
 * variance, then the optional elementwise affine `weight`/`bias` of that shape. One fused kernel.
 *
 * Call it as `layerNorm(x, [768], weight, bias, 1e-6)` or `layerNorm(x, [768], { weight, bias, eps: 1e-6 })`.
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps?: number): Tensor;
/** Layer normalisation with its parameters in an options object. */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], options: LayerNormOptions): Tensor;
export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  weightOrOptions?: Tensor | LayerNormOptions | null,
  bias?: Tensor | null,
  eps?: number,
): Tensor {
  const o = resolve<LayerNormOptions>(weightOrOptions, bias, eps);
  checkInput("layerNorm", x);
  const k = normalizedShape.length;
  if (k === 0 || k > x.rank || normalizedShape.some((d, i) => d !== x.shape[x.rank - k + i])) {
    throw new Error(`layerNorm: normalized shape ${fmt(normalizedShape)} does not match the end of input ${fmt(x.shape)}`);
  }
  for (const [name, p] of [["weight", o.weight], ["bias", o.bias]] as const) {
    if (!p) continue;
    if (p.rank !== k || p.shape.some((d, i) => d !== normalizedShape[i])) {
      throw new Error(`layerNorm: ${name} ${fmt(p.shape)} must have the normalized shape ${fmt(normalizedShape)}`);
    }
    checkParamDtype("layerNorm", name, p, x);
  }
  return runNorm("layerNorm", x, [o.weight, o.bias], { dims: k, eps: o.eps ?? 1e-5, weight: !!o.weight, bias: !!o.bias });
}

/**
 * Group normalisation of [N, C, ...] over groups of C/numGroups channels, with per-channel affine [C]
 * (torch.nn.functional.group_norm), optionally followed by a fused activation. One fused kernel.
 *
 * Call it as `groupNorm(x, 32, weight, bias, 1e-6)` or
 * `groupNorm(x, 32, { weight, bias, eps: 1e-6, activation: "silu" })` (GroupNorm then SiLU in one pass).
 */
export function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, eps?: number): Tensor;
/** Group normalisation with its parameters (and a fused activation) in an options object. */
export function groupNorm(x: Tensor, numGroups: number, options: GroupNormOptions): Tensor;
export function groupNorm(x: Tensor, numGroups: number, weightOrOptions?: Tensor | GroupNormOptions | null, bias?: Tensor | null, eps?: number): Tensor {
  const o = resolve<GroupNormOptions>(weightOrOptions, bias, eps);
  checkInput("groupNorm", x);
  if (x.rank < 2) throw new Error(`groupNorm: expected [N, C, ...], got ${fmt(x.shape)}`);
  const C = x.shape[1]!;
  if (!Number.isInteger(numGroups) || numGroups < 1 || C % numGroups !== 0) {
    throw new Error(`groupNorm: ${numGroups} groups do not divide ${C} channels`);
  }
  for (const [name, p] of [["weight", o.weight], ["bias", o.bias]] as const) {
    if (!p) continue;
    if (p.rank !== 1 || p.shape[0] !== C) throw new Error(`groupNorm: ${name} must be [${C}], got ${fmt(p.shape)}`);
    checkParamDtype("groupNorm", name, p, x);
  }
  const activation = o.activation ?? "none";
  if (activation !== "none" && activation !== "silu") throw new Error(`groupNorm: unknown activation ${JSON.stringify(activation)} (expected "none" or "silu")`);
  return runNorm("groupNorm", x, [o.weight, o.bias], { groups: numGroups, eps: o.eps ?? 1e-5, weight: !!o.weight, bias: !!o.bias, activation });
}

/** The affine inputs after x, by attribute. */
function affineInputs(inputs: readonly Tensor[], attrs: { weight: boolean; bias: boolean }): { w: Tensor | null; b: Tensor | null } {
  return { w: attrs.weight ? inputs[1]! : null, b: attrs.bias ? inputs[attrs.weight ? 2 : 1]! : null };
}

/**
 * The input gradient (and, with needXhat, xhat) of a normalisation over the last axis of `x` for the gradient
 * `gy` of the normalised values: one fused kernel (normGrad), xhat from the forward kernel without affine.
 */
function normBackward(x: Tensor, gy: Tensor, eps: number, needX: boolean, needXhat: boolean): { dx: Tensor | null; xhat: Tensor | null } {
  const xhat = needXhat ? runKernel("layerNorm", [x], { dims: 1, eps, weight: false, bias: false }) : null;
  return { dx: needX ? normGrad(x, gy, eps) : null, xhat };
}

/** Registry entries of the fused normalisation kernels. */
export const normDefs: { [K in "layerNorm" | "groupNorm"]: KernelOpDef<KernelAttrs[K]> } = {
  layerNorm: {
    infer: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
    vjp: (g, { inputs, attrs, needsGrad }) => {
      const x = inputs[0]!;
      const { w, b } = affineInputs(inputs, attrs);
      const lead = Array.from({ length: x.rank - attrs.dims }, (_, i) => i);
      const gy = w ? mul(g, w) : g;
      // rows of the normalized elements: [...lead, L]
      const rows = [...x.shape.slice(0, x.rank - attrs.dims), -1];
      const r = normBackward(reshape(x, rows), reshape(gy, rows), attrs.eps, needsGrad[0]!, !!w && needsGrad[1]!);
      const dx = r.dx && reshape(r.dx, x.shape);
      const xhat = r.xhat && reshape(r.xhat, x.shape);
      const out: (Tensor | null)[] = [dx];
      if (w) out.push(needsGrad[1] ? (lead.length ? sum(mul(g, xhat!), lead) : mul(g, xhat!)) : null);
      if (b) out.push(needsGrad[out.length] ? (lead.length ? sum(g, lead) : g) : null);
      return out;
    },
  },
  groupNorm: {
    infer: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
    vjp: (g, { inputs, attrs, needsGrad }) => {
      const x = inputs[0]!;
      const [N, C] = x.shape as [number, number];
      const { w, b } = affineInputs(inputs, attrs);
      let gz = g;
      if (attrs.activation === "silu") {
        // y = silu(z): recompute z (the same kernel without the activation), then silu'(z) in one pass
        const z = runKernel("groupNorm", inputs, { ...attrs, activation: "none" });
        gz = mul(g, siluDerivative(z));
      }
      const perChannel = [1, C, ...x.shape.slice(2).map(() => 1)];
      const gy = w ? mul(gz, reshape(w, perChannel)) : gz;
      const grouped = [N, attrs.groups, -1];
      const { dx, xhat } = normBackward(reshape(x, grouped), reshape(gy, grouped), attrs.eps, needsGrad[0]!, !!w && needsGrad[1]!);
      const out: (Tensor | null)[] = [dx ? reshape(dx, x.shape) : null];
      const others = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
      if (w) out.push(needsGrad[1] ? sum(mul(gz, reshape(xhat!, x.shape)), others) : null);
      if (b) out.push(needsGrad[out.length] ? sum(gz, others) : null);
      return out;
    },
  },
};
