import type { DTypeArrayMap } from "../dtype.js";
import { checkCount, randomBits } from "./bits.js";
import { maxFinite, nextDown, roundTo, unit11, unit24, unit32, unit32Open, unit53, unit53Open, type SampleFloatDType } from "./floats.js";
import { checkKey, describe, type RandomKey } from "./key.js";
import { normalCdf, normalQuantile } from "./special.js";

export type { SampleFloatDType } from "./floats.js";

/** Options of {@link sampleUniform} (and of the tensor-level `uniform`). */
export interface UniformSampleOptions<D extends SampleFloatDType = SampleFloatDType> {
  /** Inclusive lower bound (default 0), rounded to `dtype` first. */
  min?: number;
  /** Exclusive upper bound (default 1), rounded to `dtype` first. */
  max?: number;
  /** Element type (default float32). float16 values come back in a Float32Array, each exact in float16. */
  dtype?: D;
}

/** Options of {@link sampleNormal} (and of the tensor-level `normal`). */
export interface NormalSampleOptions<D extends SampleFloatDType = SampleFloatDType> {
  /** Mean (default 0). */
  mean?: number;
  /** Standard deviation (default 1, must be >= 0). */
  std?: number;
  /** Element type (default float32). */
  dtype?: D;
}

/** Options of {@link sampleTruncatedNormal} (and of the tensor-level `truncatedNormal`). */
export interface TruncatedNormalSampleOptions<D extends SampleFloatDType = SampleFloatDType> extends NormalSampleOptions<D> {
  /** Lower bound in output units, like PyTorch's `trunc_normal_(a=...)` (default -2). */
  lower?: number;
  /** Upper bound in output units (default 2). */
  upper?: number;
}

/** Throws naming `fn` unless `dtype` is a float dtype; returns it. @internal */
function checkFloatDType(fn: string, dtype: unknown): SampleFloatDType {
  if (dtype !== "float32" && dtype !== "float64" && dtype !== "float16") {
    throw new Error(`${fn}: dtype must be "float32", "float64" or "float16", got ${describe(dtype)}`);
  }
  return dtype;
}

function checkFinite(fn: string, what: string, x: unknown): asserts x is number {
  if (typeof x !== "number" || !Number.isFinite(x)) throw new Error(`${fn}: ${what} must be a finite number, got ${describe(x)}`);
}

/** Host array for `count` elements of `dtype` (float16 is held in a Float32Array, as tensors hold it). */
function allocFloat<D extends SampleFloatDType>(dtype: D, count: number): DTypeArrayMap[D] {
  return (dtype === "float64" ? new Float64Array(count) : new Float32Array(count)) as DTypeArrayMap[D];
}

/** `count` uniforms in [0, 1), each exact in `dtype`: 11, 24 or 53 top bits of the bit stream. */
function unitFloats(key: RandomKey, dtype: SampleFloatDType, count: number): Float64Array {
  const out = new Float64Array(count);
  if (dtype === "float64") {
    const bits = randomBits(key, 2 * count);
    for (let i = 0; i < count; i++) out[i] = unit53(bits[2 * i]!, bits[2 * i + 1]!);
  } else {
    const bits = randomBits(key, count);
    const unit = dtype === "float32" ? unit24 : unit11;
    for (let i = 0; i < count; i++) out[i] = unit(bits[i]!);
  }
  return out;
}

/** @internal Uniform sampler behind {@link sampleUniform} and `uniform`; `fn` names the caller in errors. */
export function uniformImpl<D extends SampleFloatDType>(
  fn: string,
  key: RandomKey,
  count: number,
  opts: UniformSampleOptions<D>,
): DTypeArrayMap[D] {
  checkKey(fn, key);
  checkCount(fn, "count", count);
  const dtype = checkFloatDType(fn, opts.dtype ?? "float32") as D;
  const { min = 0, max = 1 } = opts;
  checkFinite(fn, "min", min);
  checkFinite(fn, "max", max);
  const lo = roundTo(dtype, min);
  const hi = roundTo(dtype, max);
  if (Math.abs(lo) > maxFinite(dtype) || Math.abs(hi) > maxFinite(dtype)) {
    throw new Error(`${fn}: [min, max) = [${min}, ${max}) is out of the ${dtype} range`);
  }
  if (!(lo < hi)) throw new Error(`${fn}: min must be less than max in ${dtype}, got min ${min} and max ${max}`);
  const units = unitFloats(key, dtype, count);
  const out = allocFloat(dtype, count);
  if (lo === 0 && hi === 1) {
    out.set(units);
    return out;
  }
  const width = hi - lo;
  const top = nextDown(dtype, hi);
  for (let i = 0; i < count; i++) {
    const u = units[i]!;
    // The two-term form avoids an infinite width when the bounds span most of the float64 range.
    let v = roundTo(dtype, Number.isFinite(width) ? lo + u * width : lo * (1 - u) + hi * u);
    // Rounding may land on max (or below min); the interval is half-open, so pull such values inside.
    if (v > top) v = top;
    if (v < lo) v = lo;
    out[i] = v;
  }
  return out;
}

/**
 * `count` floats uniform in `[min, max)` (default [0, 1)). A value is the top 24 (float32), 11 (float16)
 * or 53 (float64, two words) bits of the key's bit stream as a fraction, scaled to the interval, rounded
 * to `dtype` and kept below `max`.
 */
export function sampleUniform<D extends SampleFloatDType = "float32">(
  key: RandomKey,
  count: number,
  opts: UniformSampleOptions<D> = {},
): DTypeArrayMap[D] {
  return uniformImpl("sampleUniform", key, count, opts);
}

/** @internal Normal sampler behind {@link sampleNormal} and `normal`. */
export function normalImpl<D extends SampleFloatDType>(
  fn: string,
  key: RandomKey,
  count: number,
  opts: NormalSampleOptions<D>,
): DTypeArrayMap[D] {
  checkKey(fn, key);
  checkCount(fn, "count", count);
  const dtype = checkFloatDType(fn, opts.dtype ?? "float32") as D;
  const { mean = 0, std = 1 } = opts;
  checkFinite(fn, "mean", mean);
  checkFinite(fn, "std", std);
  if (std < 0) throw new Error(`${fn}: std must be >= 0, got ${std}`);
  const out = allocFloat(dtype, count);
  const pairs = Math.ceil(count / 2);
  const wide = dtype === "float64";
  // float64 uses 53-bit uniforms (two words each); float32/float16 use one 32-bit word per uniform.
  const bits = randomBits(key, pairs * (wide ? 4 : 2));
  for (let j = 0; j < pairs; j++) {
    // Box-Muller: u1 in (0, 1] so log(u1) is finite; u2 in [0, 1) is the angle.
    const u1 = wide ? unit53Open(bits[4 * j]!, bits[4 * j + 1]!) : unit32Open(bits[2 * j]!);
    const u2 = wide ? unit53(bits[4 * j + 2]!, bits[4 * j + 3]!) : unit32(bits[2 * j + 1]!);
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    out[2 * j] = roundTo(dtype, mean + std * r * Math.cos(theta));
    if (2 * j + 1 < count) out[2 * j + 1] = roundTo(dtype, mean + std * r * Math.sin(theta));
  }
  return out;
}

/**
 * `count` normal floats with the given mean and std (default 0 and 1), by the Box-Muller transform on
 * consecutive pairs of uniforms. float32/float16 use 32-bit uniforms (|z| <= 6.66); float64 uses 53-bit
 * ones (|z| <= 8.57). Values are computed in double and rounded to `dtype` once.
 */
export function sampleNormal<D extends SampleFloatDType = "float32">(
  key: RandomKey,
  count: number,
  opts: NormalSampleOptions<D> = {},
): DTypeArrayMap[D] {
  return normalImpl("sampleNormal", key, count, opts);
}

/** @internal Truncated-normal sampler behind {@link sampleTruncatedNormal} and `truncatedNormal`. */
export function truncatedNormalImpl<D extends SampleFloatDType>(
  fn: string,
  key: RandomKey,
  count: number,
  opts: TruncatedNormalSampleOptions<D>,
): DTypeArrayMap[D] {
  checkKey(fn, key);
  checkCount(fn, "count", count);
  const dtype = checkFloatDType(fn, opts.dtype ?? "float32") as D;
  const { mean = 0, std = 1, lower = -2, upper = 2 } = opts;
  checkFinite(fn, "mean", mean);
  checkFinite(fn, "std", std);
  checkFinite(fn, "lower", lower);
  checkFinite(fn, "upper", upper);
  if (std < 0) throw new Error(`${fn}: std must be >= 0, got ${std}`);
  if (!(lower < upper)) throw new Error(`${fn}: lower must be less than upper, got lower ${lower} and upper ${upper}`);
  const out = allocFloat(dtype, count);
  if (std === 0) {
    out.fill(roundTo(dtype, Math.min(upper, Math.max(lower, mean))));
    return out;
  }
  // Work on the side of zero where the CDF is small, where it is accurate, and mirror back.
  const flip = (lower - mean) / std + (upper - mean) / std > 0;
  const a = flip ? (mean - upper) / std : (lower - mean) / std;
  const b = flip ? (mean - lower) / std : (upper - mean) / std;
  const pa = normalCdf(a);
  const pb = normalCdf(b);
  if (!(pb > pa)) {
    throw new Error(`${fn}: [${lower}, ${upper}] has no probability mass at double precision for mean ${mean}, std ${std}`);
  }
  const bits = randomBits(key, 2 * count);
  for (let i = 0; i < count; i++) {
    const u = unit53(bits[2 * i]!, bits[2 * i + 1]!);
    let z = normalQuantile(pa + u * (pb - pa));
    z = Math.min(b, Math.max(a, z));
    const v = mean + std * (flip ? -z : z);
    out[i] = roundTo(dtype, Math.min(upper, Math.max(lower, v)));
  }
  return out;
}

/**
 * `count` floats from a normal with `mean` and `std` truncated to `[lower, upper]` (default [-2, 2] in
 * output units, as PyTorch's `trunc_normal_`), by inverse-CDF sampling: one 53-bit uniform per value is
 * mapped through the normal CDF restricted to the interval. Works for intervals far in a tail too.
 * Values lie in the closed interval (after rounding to `dtype`).
 */
export function sampleTruncatedNormal<D extends SampleFloatDType = "float32">(
  key: RandomKey,
  count: number,
  opts: TruncatedNormalSampleOptions<D> = {},
): DTypeArrayMap[D] {
  return truncatedNormalImpl("sampleTruncatedNormal", key, count, opts);
}
