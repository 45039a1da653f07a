import { BitStream, checkCount, randomBits } from "./bits.js";
import { unit53, unit53Open } from "./floats.js";
import { checkPopulation, partialShuffle, randintImpl } from "./host-discrete.js";
import { checkKey, describe, type RandomKey } from "./key.js";

/** Options of {@link sampleChoice} (and of the tensor-level `choice`). */
export interface ChoiceSampleOptions {
  /** Draw with replacement (default true); without it no index repeats. */
  replace?: boolean;
  /**
   * Weight of each index `0..n-1` (length `n`, finite, >= 0, positive sum; normalized, so they need not
   * sum to 1). Indices of weight 0 are never drawn. Default: all equal.
   */
  probabilities?: readonly number[] | Float64Array;
}

/** Validates the weights and returns them as float64. */
function checkProbabilities(fn: string, n: number, probabilities: unknown): Float64Array {
  if (!Array.isArray(probabilities) && !(probabilities instanceof Float64Array) && !(probabilities instanceof Float32Array)) {
    throw new Error(`${fn}: probabilities must be an array of numbers, got ${describe(probabilities)}`);
  }
  const weights = Float64Array.from(probabilities as ArrayLike<number>);
  if (weights.length !== n) {
    throw new Error(`${fn}: probabilities has length ${weights.length} but n is ${n}; give one weight per index`);
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const w = (probabilities as ArrayLike<unknown>)[i];
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) {
      throw new Error(`${fn}: probabilities[${i}] is ${describe(w)}; weights must be finite and >= 0`);
    }
    sum += w;
  }
  if (!(sum > 0)) throw new Error(`${fn}: probabilities sum to ${sum}; at least one weight must be positive`);
  if (!Number.isFinite(sum)) throw new Error(`${fn}: probabilities sum to ${sum}; scale them down`);
  return weights;
}

/** With replacement, weighted: inverse CDF, a binary search of one 53-bit uniform per draw in the cumulative sums. */
function weightedWithReplacement(key: RandomKey, weights: Float64Array, count: number): Int32Array {
  const n = weights.length;
  const cdf = new Float64Array(n);
  let acc = 0;
  let lastPositive = 0;
  for (let i = 0; i < n; i++) {
    acc += weights[i]!;
    cdf[i] = acc;
    if (weights[i]! > 0) lastPositive = i;
  }
  const bits = randomBits(key, 2 * count);
  const out = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const x = unit53(bits[2 * k]!, bits[2 * k + 1]!) * acc;
    // First index whose cumulative sum exceeds x; zero weights repeat the sum before them, so they never win.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    // x can round up to the total; that draw belongs to the last index that has weight.
    out[k] = lo < n ? lo : lastPositive;
  }
  return out;
}

/**
 * Without replacement, weighted: exponential keys (Efraimidis-Spirakis, the same distribution as Gumbel-top-k):
 * index i gets the key log(u_i) / w_i with u_i a 53-bit uniform in (0, 1], and the `count` largest keys win,
 * in decreasing order, which is the order successive weighted draws without replacement would give.
 */
function weightedWithoutReplacement(fn: string, key: RandomKey, weights: Float64Array, count: number): Int32Array {
  const n = weights.length;
  const candidates: number[] = [];
  for (let i = 0; i < n; i++) if (weights[i]! > 0) candidates.push(i);
  if (count > candidates.length) {
    throw new Error(
      `${fn}: cannot draw ${count} distinct indices without replacement: only ${candidates.length} of the ${n} probabilities are positive`,
    );
  }
  const bits = randomBits(key, 2 * n);
  const score = new Float64Array(n);
  for (const i of candidates) score[i] = Math.log(unit53Open(bits[2 * i]!, bits[2 * i + 1]!)) / weights[i]!;
  candidates.sort((a, b) => score[b]! - score[a]! || a - b);
  return Int32Array.from(candidates.slice(0, count));
}

/** @internal Choice sampler behind {@link sampleChoice} and `choice`. */
export function choiceImpl(fn: string, key: RandomKey, n: number, count: number, opts: ChoiceSampleOptions): Int32Array {
  checkKey(fn, key);
  checkPopulation(fn, n);
  checkCount(fn, "count", count);
  const { replace = true, probabilities } = opts;
  if (typeof replace !== "boolean") throw new Error(`${fn}: replace must be a boolean, got ${describe(replace)}`);
  if (!replace && count > n) {
    throw new Error(`${fn}: cannot draw ${count} distinct indices without replacement from n = ${n}`);
  }
  const weights = probabilities === undefined ? undefined : checkProbabilities(fn, n, probabilities);
  if (count === 0) return new Int32Array(0);
  if (weights) return replace ? weightedWithReplacement(key, weights, count) : weightedWithoutReplacement(fn, key, weights, count);
  if (replace) {
    if (n === 0) throw new Error(`${fn}: cannot draw ${count} indices from an empty population (n = 0)`);
    return randintImpl(fn, key, count, 0, n);
  }
  return partialShuffle(new BitStream(key), n, count);
}

/**
 * `count` indices drawn from `0..n-1`: uniformly by default, or weighted by `probabilities`; with
 * replacement by default, or without (`replace: false`, then no index repeats and `count <= n`).
 * Uniform with replacement is {@link sampleRandint}; uniform without replacement is the start of a
 * Fisher-Yates shuffle; weighted with replacement is the inverse CDF; weighted without replacement uses
 * exponential keys (equivalent to Gumbel-top-k).
 */
export function sampleChoice(key: RandomKey, n: number, count: number, opts: ChoiceSampleOptions = {}): Int32Array {
  return choiceImpl("sampleChoice", key, n, count, opts);
}
