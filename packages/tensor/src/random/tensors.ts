import type { Device } from "../backend/backend.js";
import type { DType } from "../dtype.js";
import { getDefaultDevice } from "../engine/backends.js";
import { checkTensorBytes } from "../engine/limits.js";
import { fromHost } from "../ops/creation.js";
import { checkShape, sizeOf, type Shape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { describe, type RandomKey } from "./key.js";
import { choiceImpl } from "./host-choice.js";
import { bernoulliImpl, permutationImpl, randintImpl } from "./host-discrete.js";
import { normalImpl, truncatedNormalImpl, uniformImpl, type SampleFloatDType } from "./host-float.js";
import type { ChoiceOptions, DeviceOption, NormalOptions, TruncatedNormalOptions, UniformOptions } from "./options.js";

// Tensor-level samplers: each draws its numbers on the host with the matching `sample*` function and
// uploads them, so every backend holds the very same values for the same key. This file exports the samplers
// only: the package index re-exports all of it at the top level (their options are in options.ts).

/**
 * Checks a shape argument, naming `fn`, and returns its element count; a tensor over the per-tensor limit
 * (see `setMaxTensorBytes`) is refused before any number is drawn.
 */
function shapeCount(fn: string, shape: unknown, dtype: DType, device: Device | undefined): number {
  if (!Array.isArray(shape)) throw new Error(`${fn}: shape must be an array of sizes, got ${describe(shape)}`);
  checkShape(fn, shape as Shape);
  const count = sizeOf(shape as Shape);
  if (!Number.isSafeInteger(count)) throw new Error(`${fn}: shape ${describe(shape)} has too many elements`);
  checkTensorBytes(fn, shape as Shape, dtype, device ?? getDefaultDevice());
  return count;
}

/**
 * A tensor of floats uniform in `[min, max)` (default [0, 1), float32). Same values as
 * {@link random.sampleUniform} with the same key, on every device.
 *
 * @example
 * ```ts
 * const x = uniform(randomKey(0), [2, 3], { min: -1, max: 1 });
 * ```
 */
export function uniform<D extends SampleFloatDType = "float32">(
  key: RandomKey,
  shape: Shape,
  opts: UniformOptions<D> = {},
): Tensor<D> {
  const data = uniformImpl("uniform", key, shapeCount("uniform", shape, opts.dtype ?? "float32", opts.device), opts);
  return fromHost(data, opts.dtype ?? "float32", shape, opts.device) as Tensor<D>;
}

/**
 * A tensor of normal floats (default mean 0, std 1, float32), Box-Muller on pairs of uniforms. Same
 * values as {@link random.sampleNormal} with the same key.
 */
export function normal<D extends SampleFloatDType = "float32">(
  key: RandomKey,
  shape: Shape,
  opts: NormalOptions<D> = {},
): Tensor<D> {
  const data = normalImpl("normal", key, shapeCount("normal", shape, opts.dtype ?? "float32", opts.device), opts);
  return fromHost(data, opts.dtype ?? "float32", shape, opts.device) as Tensor<D>;
}

/**
 * A tensor of normal floats truncated to `[lower, upper]` (default [-2, 2] in output units, as PyTorch's
 * `trunc_normal_`), by inverse-CDF sampling. Same values as {@link random.sampleTruncatedNormal}.
 */
export function truncatedNormal<D extends SampleFloatDType = "float32">(
  key: RandomKey,
  shape: Shape,
  opts: TruncatedNormalOptions<D> = {},
): Tensor<D> {
  const data = truncatedNormalImpl("truncatedNormal", key, shapeCount("truncatedNormal", shape, opts.dtype ?? "float32", opts.device), opts);
  return fromHost(data, opts.dtype ?? "float32", shape, opts.device) as Tensor<D>;
}

/**
 * An int32 tensor of integers uniform in `[low, high)`, exactly unbiased (Lemire's multiply-shift with
 * rejection; see {@link random.sampleRandint}).
 */
export function randint(key: RandomKey, shape: Shape, low: number, high: number, opts: DeviceOption = {}): Tensor<"int32"> {
  const data = randintImpl("randint", key, shapeCount("randint", shape, "int32", opts.device), low, high);
  return fromHost(data, "int32", shape, opts.device) as Tensor<"int32">;
}

/** A bool tensor whose elements are true with probability `p` (see {@link random.sampleBernoulli}). */
export function bernoulli(key: RandomKey, p: number, shape: Shape, opts: DeviceOption = {}): Tensor<"bool"> {
  const data = bernoulliImpl("bernoulli", key, shapeCount("bernoulli", shape, "bool", opts.device), p);
  return fromHost(data, "bool", shape, opts.device) as Tensor<"bool">;
}

/** An int32 tensor of shape `[n]` holding a uniformly random permutation of `0..n-1` (Fisher-Yates). */
export function permutation(key: RandomKey, n: number, opts: DeviceOption = {}): Tensor<"int32"> {
  checkTensorBytes("permutation", [n], "int32", opts.device ?? getDefaultDevice());
  const data = permutationImpl("permutation", key, n);
  return fromHost(data, "int32", [n], opts.device) as Tensor<"int32">;
}

/**
 * An int32 tensor of shape `[count]` of indices drawn from `0..n-1`, uniformly or weighted by
 * `probabilities`, with replacement (default) or without (see {@link random.sampleChoice}).
 *
 * @example
 * ```ts
 * const batch = choice(key, datasetSize, 8, { replace: false });
 * ```
 */
export function choice(key: RandomKey, n: number, count: number, opts: ChoiceOptions = {}): Tensor<"int32"> {
  checkTensorBytes("choice", [count], "int32", opts.device ?? getDefaultDevice());
  const data = choiceImpl("choice", key, n, count, opts);
  return fromHost(data, "int32", [count], opts.device) as Tensor<"int32">;
}
