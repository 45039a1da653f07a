/**
 * Philox4x32-10, the counter-based generator of Salmon et al., "Parallel Random Numbers: As Easy as 1, 2, 3"
 * (SC 2011). A keyed bijection on 128-bit counters: block `c` under key `k` gives four 32-bit words, and
 * any block can be computed without computing the ones before it.
 *
 * Written from the paper's description; checked against the Random123 known-answer vectors in the tests.
 */

/** Round multipliers of Philox4x32 (from the paper). */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
/** Key-schedule increments (Weyl sequence: golden ratio and sqrt(3) - 1, as 32-bit fractions). */
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const TWO_32 = 4294967296;

/**
 * High 32 bits of the 64-bit product of two unsigned 32-bit integers.
 *
 * The double product `a * b` is within 2^11 of the exact one, and the exact low word is known from
 * `Math.imul`, so subtracting it leaves a multiple of 2^32 up to a tiny error that rounding removes.
 */
export function mulHi32(a: number, b: number): number {
  const lo = Math.imul(a, b) >>> 0;
  return Math.round((a * b - lo) / TWO_32) >>> 0;
}

/**
 * Runs Philox4x32 on the counter `(x0, x1, x2, x3)` under key `(k0, k1)` and writes the first `take`
 * (at most 4) output words to `out` from `pos`.
 */
function philoxBlock(
  x0: number,
  x1: number,
  x2: number,
  x3: number,
  k0: number,
  k1: number,
  rounds: number,
  out: Uint32Array,
  pos: number,
  take: number,
): void {
  let a = k0 >>> 0;
  let b = k1 >>> 0;
  for (let r = 0; r < rounds; r++) {
    if (r > 0) {
      a = (a + W0) >>> 0;
      b = (b + W1) >>> 0;
    }
    const hi0 = mulHi32(M0, x0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulHi32(M1, x2);
    const lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ a) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ b) >>> 0;
    x3 = lo0;
  }
  out[pos] = x0;
  if (take > 1) out[pos + 1] = x1;
  if (take > 2) out[pos + 2] = x2;
  if (take > 3) out[pos + 3] = x3;
}

/**
 * Fills `out[0..count)` with the words of consecutive Philox4x32-10 blocks under key `(k0, k1)`. Block `i`
 * (counting from `firstBlock`, a safe integer) uses the counter `(i mod 2^32, floor(i / 2^32), c2, c3)`;
 * `c2`/`c3` separate the streams that share a key (bits, split, fold-in). A final partial block
 * contributes its leading words.
 */
export function philoxFill(
  k0: number,
  k1: number,
  c2: number,
  c3: number,
  firstBlock: number,
  out: Uint32Array,
  count: number = out.length,
): void {
  let block = firstBlock;
  for (let pos = 0; pos < count; pos += 4, block++) {
    const lo = block >>> 0;
    const hi = Math.floor(block / TWO_32) >>> 0;
    philoxBlock(lo, hi, c2 >>> 0, c3 >>> 0, k0, k1, 10, out, pos, Math.min(4, count - pos));
  }
}

/**
 * One Philox4x32 block: the four output words for a 128-bit `counter` under a 64-bit `key`, all given as
 * unsigned 32-bit words (word 0 first). `rounds` defaults to the standard 10.
 *
 * @example
 * ```ts
 * philox4x32([0, 0, 0, 0], [0, 0]); // [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
 * ```
 */
export function philox4x32(
  counter: readonly [number, number, number, number],
  key: readonly [number, number],
  rounds = 10,
): [number, number, number, number] {
  const out = new Uint32Array(4);
  const [c0, c1, c2, c3] = counter;
  philoxBlock(c0 >>> 0, c1 >>> 0, c2 >>> 0, c3 >>> 0, key[0], key[1], rounds, out, 0, 4);
  return [out[0]!, out[1]!, out[2]!, out[3]!];
}
