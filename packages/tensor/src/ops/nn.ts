import type { KernelAttrs } from "../backend/backend.js";
import { isFloat } from "../dtype.js";
import { tidy } from "../engine/tidy.js";
import { fmt, normAxis } from "../shape.js";
import type { Tensor } from "../tensor.js";
import type { RandomKey } from "../random/index.js";
import { bernoulli } from "../random/index.js";
import { fromHost, full } from "./creation.js";
import { gather } from "./indexing.js";
import { add, cast, div, exp, mul, rsqrt, square, sub, where } from "./elementwise.js";
import { matmul } from "./linalg.js";
import { runKernel, type KernelOpDef } from "./registry.js";
import { mean, sum } from "./reduce.js";
import { reshape, transpose } from "./shape.js";
import { castTo } from "./util.js";

function floatInput(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new Error(`${op}: expected a float tensor, got ${x.dtype}`);
}

/** Softmax along `axis` (default last), fused and max-subtracted. */
export function softmax(x: Tensor, axis = -1): Tensor {
  floatInput("softmax", x);
  const a = normAxis("softmax", axis, x.rank);
  // a 0-d tensor is one row of one element (the kernels need a dim)
  if (x.rank === 0) return tidy(() => reshape(runKernel("softmax", [reshape(x, [1])], { axis: 0 }), []));
  return runKernel("softmax", [x], { axis: a });
}

/** log(softmax(x)) along `axis`, computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  floatInput("logSoftmax", x);
  const a = normAxis("logSoftmax", axis, x.rank);
  if (x.rank === 0) return tidy(() => reshape(runKernel("logSoftmax", [reshape(x, [1])], { axis: 0 }), []));
  return runKernel("logSoftmax", [x], { axis: a });
}

/**
 * Layer normalisation over the trailing dims `normalizedShape` (torch.nn.functional.layer_norm): biased variance,
 * then the optional elementwise affine `weight`/`bias` of that shape.
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  floatInput("layerNorm", x);
  const k = normalizedShape.length;
  if (k === 0 || k > x.rank || normalizedShape.some((d, i) => d !== x.shape[x.rank - k + i])) {
    throw new Error(`layerNorm: normalized shape ${fmt(normalizedShape)} does not match the end of input ${fmt(x.shape)}`);
  }
  for (const [name, p] of [["weight", weight], ["bias", bias]] as const) {
    if (p && (p.rank !== k || p.shape.some((d, i) => d !== normalizedShape[i]))) {
      throw new Error(`layerNorm: ${name} ${fmt(p.shape)} must have the normalized shape ${fmt(normalizedShape)}`);
    }
  }
  const axes = normalizedShape.map((_, i) => x.rank - k + i);
  return tidy(() => {
    const mu = mean(x, axes, { keepdim: true });
    const xc = sub(x, mu);
    const v = mean(square(xc), axes, { keepdim: true });
    let y = mul(xc, rsqrt(add(v, eps)));
    if (weight) y = mul(y, weight);
    if (bias) y = add(y, bias);
    return y;
  });
}

/** Group normalisation of [N, C, ...] over groups of C/numGroups channels, with per-channel affine [C]. */
export function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  floatInput("groupNorm", x);
  if (x.rank < 2) throw new Error(`groupNorm: expected [N, C, ...], got ${fmt(x.shape)}`);
  const [N, C] = x.shape as [number, number];
  if (!Number.isInteger(numGroups) || numGroups < 1 || C % numGroups !== 0) {
    throw new Error(`groupNorm: ${numGroups} groups do not divide ${C} channels`);
  }
  for (const [name, p] of [["weight", weight], ["bias", bias]] as const) {
    if (p && (p.rank !== 1 || p.shape[0] !== C)) throw new Error(`groupNorm: ${name} must be [${C}], got ${fmt(p.shape)}`);
  }
  return tidy(() => {
    const g = reshape(x, [N, numGroups, -1]);
    const mu = mean(g, 2, { keepdim: true });
    const gc = sub(g, mu);
    const v = mean(square(gc), 2, { keepdim: true });
    let y = reshape(mul(gc, rsqrt(add(v, eps))), x.shape);
    const affine = [1, C, ...x.shape.slice(2).map(() => 1)];
    if (weight) y = mul(y, reshape(weight, affine));
    if (bias) y = add(y, reshape(bias, affine));
    return y;
  });
}

/** Options of scaledDotProductAttention. */
export interface AttentionOptions {
  /** Boolean mask (true = attend) or additive float mask, broadcastable to [..., Lq, Lk]. */
  mask?: Tensor | null;
  /** Mask out keys after each query position (upper triangle). */
  isCausal?: boolean;
  /** Score scale; default 1/sqrt(head dim). */
  scale?: number;
}

/**
 * softmax(q k^T * scale + mask) v for q [..., Lq, D], k [..., Lk, D], v [..., Lk, Dv]
 * (torch.nn.functional.scaled_dot_product_attention without dropout).
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  for (const [n, t] of [["q", q], ["k", k], ["v", v]] as const) {
    floatInput("scaledDotProductAttention", t);
    if (t.rank < 2) throw new Error(`scaledDotProductAttention: ${n} must be [..., L, D], got ${fmt(t.shape)}`);
  }
  const d = q.shape[q.rank - 1]!;
  if (k.shape[k.rank - 1] !== d) throw new Error(`scaledDotProductAttention: q ${fmt(q.shape)} and k ${fmt(k.shape)} head dims differ`);
  if (k.shape[k.rank - 2] !== v.shape[v.rank - 2]) throw new Error(`scaledDotProductAttention: k ${fmt(k.shape)} and v ${fmt(v.shape)} lengths differ`);
  const scale = options.scale ?? 1 / Math.sqrt(d);
  return tidy(() => {
    let scores = mul(matmul(q, transpose(k)), scale);
    const lq = q.shape[q.rank - 2]!;
    const lk = k.shape[k.rank - 2]!;
    if (options.isCausal) {
      const allowed = new Uint8Array(lq * lk);
      for (let i = 0; i < lq; i++) for (let j = 0; j <= Math.min(i, lk - 1); j++) allowed[i * lk + j] = 1;
      scores = where(fromHost(allowed, "bool", [lq, lk], q.device), scores, -Infinity);
    }
    const m = options.mask;
    if (m) scores = m.dtype === "bool" ? where(m, scores, -Infinity) : add(scores, m);
    return matmul(softmax(scores, -1), v);
  });
}

/** Inverted dropout: zeroes each element with probability `p` (drawn from `key`) and scales the rest by 1/(1-p). */
export function dropout(x: Tensor, p: number, key: RandomKey, training = true): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return runKernel("contiguous", [x], {});
  return tidy(() => mul(where(bernoulli(key, 1 - p, x.shape, { device: x.device }), x, 0), 1 / (1 - p)));
}

/** Mean squared error; reduction "mean" (default), "sum" or "none". */
export function mseLoss(input: Tensor, target: Tensor, reduction: "mean" | "sum" | "none" = "mean"): Tensor {
  if (input.shape.length !== target.shape.length || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new Error(`mseLoss: input ${fmt(input.shape)} and target ${fmt(target.shape)} differ in shape`);
  }
  return tidy(() => reduceLoss(square(sub(input, target)), reduction));
}

function reduceLoss(l: Tensor, reduction: "mean" | "sum" | "none"): Tensor {
  return reduction === "none" ? l : reduction === "sum" ? sum(l) : mean(l);
}

/** Options of crossEntropy. */
export interface CrossEntropyOptions {
  /** How per-example losses are combined (default "mean"). */
  reduction?: "mean" | "sum" | "none";
  /** Mix the target with the uniform distribution (torch's label_smoothing). */
  labelSmoothing?: number;
  /** Targets equal to this class index contribute nothing (class-index targets only). */
  ignoreIndex?: number;
}

/**
 * Cross entropy of logits [N, C, ...] against class indices [N, ...] (int32) or probabilities [N, C, ...]
 * (torch.nn.functional.cross_entropy).
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  floatInput("crossEntropy", logits);
  if (logits.rank < 1) throw new Error("crossEntropy: logits must have a class dim");
  const axis = logits.rank === 1 ? 0 : 1;
  const C = logits.shape[axis]!;
  const eps = options.labelSmoothing ?? 0;
  const reduction = options.reduction ?? "mean";
  return tidy(() => {
    const logp = logSoftmax(logits, axis);
    if (isFloat(target.dtype)) {
      if (target.shape.some((d, i) => d !== logits.shape[i]) || target.rank !== logits.rank) {
        throw new Error(`crossEntropy: probability target ${fmt(target.shape)} must match logits ${fmt(logits.shape)}`);
      }
      const t = eps > 0 ? add(mul(target, 1 - eps), eps / C) : target;
      return reduceLoss(mul(sum(mul(t, logp), axis), -1), reduction);
    }
    if (target.dtype !== "int32") throw new Error(`crossEntropy: class targets must be int32, got ${target.dtype}`);
    const expected = logits.shape.filter((_, i) => i !== axis);
    if (target.rank !== expected.length || target.shape.some((d, i) => d !== expected[i])) {
      throw new Error(`crossEntropy: target ${fmt(target.shape)} must be ${fmt(expected)} for logits ${fmt(logits.shape)}`);
    }
    const ignore = options.ignoreIndex;
    const valid = ignore === undefined ? null : cast(runKernel("ne", [target, full([], ignore, { dtype: "int32", device: target.device })], {}), logp.dtype);
    const safeTarget = ignore === undefined ? target : where(runKernel("eq", [target, full([], ignore, { dtype: "int32", device: target.device })], {}), 0, target);
    const idx = reshape(castTo(safeTarget, "int32"), [...target.shape.slice(0, axis), 1, ...target.shape.slice(axis)]);
    let nll = mul(reshape(gather(logp, axis, idx), target.shape), -1);
    if (eps > 0) nll = add(mul(nll, 1 - eps), mul(mean(logp, axis), -eps));
    if (valid) nll = mul(nll, valid);
    if (reduction === "mean" && valid) return div(sum(nll), sum(valid));
    return reduceLoss(nll, reduction);
  });
}

/** Registry entries of the fused softmax kernels. */
export const nnDefs: { [K in "softmax" | "logSoftmax"]: KernelOpDef<KernelAttrs[K]> } = {
  softmax: {
    infer: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
    vjp: (g, { output, attrs }) => [mul(output, sub(g, sum(mul(g, output), attrs.axis, { keepdim: true })))],
  },
  logSoftmax: {
    infer: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
    vjp: (g, { output, attrs }) => [sub(g, mul(exp(output), sum(g, attrs.axis, { keepdim: true })))],
  },
};
