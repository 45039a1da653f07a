import { philox4x32 } from "./philox.js";

/**
 * An explicit random key: 64 bits of Philox4x32-10 key as two unsigned 32-bit words (low word first).
 * A plain, frozen value: no tensor, nothing to dispose; safe to copy, compare, serialize (JSON) or send to
 * a worker. Make one with {@link randomKey}; derive new ones with {@link split} and {@link foldIn}. Every
 * function that draws numbers takes a key and returns the same numbers for the same key.
 */
export interface RandomKey {
  /** The generator this key belongs to. */
  readonly kind: "philox";
  /** The two key words, each an unsigned 32-bit integer, low word first. */
  readonly k: readonly [number, number];
}

/**
 * Counter word 3 of each Philox stream that hangs off a key. Distinct counters under one key give
 * independent blocks, so bits, split children and fold-ins never reuse a block.
 * @internal
 */
export const Domain = { bits: 0, split: 1, foldIn: 2 } as const;

const TWO_32 = 4294967296;

function makeKey(k0: number, k1: number): RandomKey {
  return Object.freeze({ kind: "philox" as const, k: Object.freeze([k0 >>> 0, k1 >>> 0] as const) });
}

function isWord(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 0 && x < TWO_32;
}

/** True when `x` is a {@link RandomKey} (a `kind: "philox"` object with two unsigned 32-bit words). */
export function isRandomKey(x: unknown): x is RandomKey {
  if (typeof x !== "object" || x === null) return false;
  const key = x as { kind?: unknown; k?: unknown };
  return key.kind === "philox" && Array.isArray(key.k) && key.k.length === 2 && isWord(key.k[0]) && isWord(key.k[1]);
}

/** Throws an error naming `fn` unless `key` is a {@link RandomKey}. @internal */
export function checkKey(fn: string, key: unknown): asserts key is RandomKey {
  if (!isRandomKey(key)) {
    throw new Error(`${fn}: expected a RandomKey (from randomKey(seed)), got ${describe(key)}`);
  }
}

/** Short description of a bad argument for error messages. @internal */
export function describe(x: unknown): string {
  if (typeof x === "bigint") return `${x}n`;
  if (typeof x === "string") return JSON.stringify(x);
  if (typeof x === "number" || typeof x === "boolean" || x === undefined || x === null) return String(x);
  try {
    const s = JSON.stringify(x);
    if (s !== undefined) return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    // Cyclic or otherwise unserializable: fall through to the type name.
  }
  return Object.prototype.toString.call(x);
}

/** Splits an integer into the low and high words of its 64-bit two's complement. */
function words64(fn: string, what: string, value: number | bigint): [number, number] {
  if (typeof value === "bigint") {
    if (value < -(1n << 63n) || value >= 1n << 64n) {
      throw new Error(`${fn}: ${what} ${value}n does not fit in 64 bits`);
    }
    const u = BigInt.asUintN(64, value);
    return [Number(u & 0xffffffffn), Number(u >> 32n)];
  }
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new Error(`${fn}: ${what} must be a safe integer or a bigint, got ${describe(value)}`);
  }
  const lo = value >>> 0;
  // Math.floor keeps the two's complement for negatives: -1 gives high word 0xffffffff.
  const hi = Math.floor(value / TWO_32) >>> 0;
  return [lo, hi];
}

/**
 * Makes a key from an integer seed (a safe integer or a bigint; negative values use their 64-bit two's
 * complement, so `randomKey(-1) == randomKey(2n ** 64n - 1n)`). The seed becomes the Philox key directly:
 * Philox gives independent streams for distinct keys, even consecutive ones.
 *
 * @example
 * ```ts
 * const key = randomKey(42);
 * const [a, b] = split(key);
 * const x = uniform(a, [2, 3]);
 * ```
 */
export function randomKey(seed: number | bigint): RandomKey {
  const [lo, hi] = words64("randomKey", "seed", seed);
  return makeKey(lo, hi);
}

/**
 * Derives `n` new keys from `key` (default 2). Child `j` is the first two words of the Philox block with
 * counter `(j, 0, 0, split)` under `key`, so the children are independent of each other and of every
 * number drawn with `key` itself. Use each child for one purpose and split again for more.
 */
export function split(key: RandomKey, n = 2): RandomKey[] {
  checkKey("split", key);
  if (!Number.isInteger(n) || n < 0 || n >= TWO_32) {
    throw new Error(`split: n must be an integer in [0, 2^32), got ${describe(n)}`);
  }
  const keys: RandomKey[] = [];
  for (let j = 0; j < n; j++) {
    const [a, b] = philox4x32([j, 0, 0, Domain.split], key.k);
    keys.push(makeKey(a, b));
  }
  return keys;
}

/**
 * Derives a new key from `key` and an integer (a step number, a layer index, a worker id), like JAX's
 * `fold_in`: the same `(key, data)` always gives the same key, different data give independent keys.
 * `data` is any safe integer (negative values use their 64-bit two's complement).
 */
export function foldIn(key: RandomKey, data: number): RandomKey {
  checkKey("foldIn", key);
  const [lo, hi] = words64("foldIn", "data", data);
  const [a, b] = philox4x32([lo, hi, 0, Domain.foldIn], key.k);
  return makeKey(a, b);
}
