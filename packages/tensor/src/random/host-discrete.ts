import { BitStream, checkCount, randomBits } from "./bits.js";
import { checkKey, describe, type RandomKey } from "./key.js";

const INT32_MIN = -2147483648;
const INT32_LIMIT = 2147483648;

/** @internal Integer sampler behind {@link sampleRandint} and `randint`. */
export function randintImpl(fn: string, key: RandomKey, count: number, low: number, high: number): Int32Array {
  checkKey(fn, key);
  checkCount(fn, "count", count);
  for (const [what, v] of [["low", low], ["high", high]] as const) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < INT32_MIN || v > INT32_LIMIT) {
      throw new Error(`${fn}: ${what} must be an integer in [-2^31, 2^31], got ${describe(v)}`);
    }
  }
  if (!(low < high)) throw new Error(`${fn}: low must be less than high, got low ${low} and high ${high}`);
  const out = new Int32Array(count);
  const stream = new BitStream(key);
  const range = high - low;
  for (let i = 0; i < count; i++) out[i] = low + stream.below(range);
  return out;
}

/**
 * `count` integers uniform in `[low, high)` (int32 bounds; `high` may be 2^31). Exactly unbiased: each value
 * is Lemire's multiply-shift of one word of the key's bit stream, and the rare words that would bias it
 * (fewer than `(high - low) / 2^32` of them) are rejected and replaced by the next word of the stream.
 */
export function sampleRandint(key: RandomKey, count: number, low: number, high: number): Int32Array {
  return randintImpl("sampleRandint", key, count, low, high);
}

/** @internal Bernoulli sampler behind {@link sampleBernoulli} and `bernoulli`. */
export function bernoulliImpl(fn: string, key: RandomKey, count: number, p: number): Uint8Array {
  checkKey(fn, key);
  checkCount(fn, "count", count);
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new Error(`${fn}: p must be a probability in [0, 1], got ${describe(p)}`);
  const bits = randomBits(key, count);
  // word < p * 2^32 is true with probability p exactly when p is a multiple of 2^-32 (0 and 1 included).
  const threshold = p * 4294967296;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = bits[i]! < threshold ? 1 : 0;
  return out;
}

/** `count` booleans (as 0/1 bytes), each 1 with probability `p`: word `i` of the bit stream is below `p * 2^32`. */
export function sampleBernoulli(key: RandomKey, count: number, p: number): Uint8Array {
  return bernoulliImpl("sampleBernoulli", key, count, p);
}

/** Throws naming `fn` unless `n` is an integer population size that int32 indices can address. @internal */
export function checkPopulation(fn: string, n: unknown): asserts n is number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > INT32_LIMIT) {
    throw new Error(`${fn}: n must be an integer in [0, 2^31], got ${describe(n)}`);
  }
}

/**
 * The first `count` entries of a forward Fisher-Yates shuffle of `0..n-1` driven by `stream`: step `i`
 * swaps entry `i` with a uniform entry of `i..n-1`. Entries are kept in an array when that is cheap and in
 * a map of the moved entries otherwise; both give the same result.
 * @internal
 */
export function partialShuffle(stream: BitStream, n: number, count: number): Int32Array {
  const out = new Int32Array(count);
  if (n <= 4 * count + 1024) {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    for (let i = 0; i < count; i++) {
      const j = i + stream.below(n - i);
      const t = a[j]!;
      a[j] = a[i]!;
      a[i] = t;
      out[i] = t;
    }
    return out;
  }
  const moved = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const j = i + stream.below(n - i);
    const t = moved.get(j) ?? j;
    moved.set(j, moved.get(i) ?? i);
    out[i] = t;
  }
  return out;
}

/** @internal Permutation sampler behind {@link samplePermutation} and `permutation`. */
export function permutationImpl(fn: string, key: RandomKey, n: number): Int32Array {
  checkKey(fn, key);
  checkPopulation(fn, n);
  return partialShuffle(new BitStream(key), n, n);
}

/** A uniformly random permutation of `0..n-1` (Fisher-Yates with unbiased draws from the key's bit stream). */
export function samplePermutation(key: RandomKey, n: number): Int32Array {
  return permutationImpl("samplePermutation", key, n);
}
