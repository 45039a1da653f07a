/**
 * Losses and dropout, built from other ops. The fused nn ops live in files named after their kernels (softmax.ts,
 * norm.ts, attention.ts, bias-act.ts) and are re-exported here.
 */
import { isFloat } from "../dtype.js";
import { tidy } from "../engine/tidy.js";
import { fmt } from "../shape.js";
import type { Tensor } from "../tensor.js";
import type { RandomKey } from "../random/index.js";
import { bernoulli } from "../random/index.js";
import { full } from "./creation.js";
import { gather } from "./indexing.js";
import { add, cast, div, mul, square, sub, where } from "./elementwise.js";
import { runKernel } from "./registry.js";
import { mean, sum } from "./reduce.js";
import { reshape } from "./shape.js";
import { logSoftmax } from "./softmax.js";
import { castTo, floatInput } from "./util.js";

export { layerNorm, groupNorm, type LayerNormOptions, type GroupNormOptions } from "./norm.js";
export { scaledDotProductAttention, type AttentionOptions } from "./attention.js";
export { biasActivation } from "./bias-act.js";
export { softmax, logSoftmax, softmaxDefs } from "./softmax.js";

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
