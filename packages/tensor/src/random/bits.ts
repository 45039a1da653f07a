import { checkKey, describe, Domain, type RandomKey } from "./key.js";
import { mulHi32, philoxFill } from "./philox.js";

const TWO_32 = 4294967296;

/** Throws an error naming `fn` unless `count` is a non-negative safe integer. @internal */
export function checkCount(fn: string, what: string, count: unknown): asserts count is number {
  if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 0) {
    throw new Error(`${fn}: ${what} must be a non-negative integer, got ${describe(count)}`);
  }
}

/**
 * The first `count` words of `key`'s bit stream: word `i` is word `i % 4` of the Philox4x32-10 block with
 * counter `(floor(i / 4), 0, 0, 0)` under `key` (block indices above 2^32 carry into counter word 1).
 * Every other sampler reads this stream, so these words are the ground truth for all backends.
 */
export function randomBits(key: RandomKey, count: number): Uint32Array {
  checkKey("randomBits", key);
  checkCount("randomBits", "count", count);
  const out = new Uint32Array(count);
  philoxFill(key.k[0], key.k[1], 0, Domain.bits, 0, out, count);
  return out;
}

/**
 * Reads `key`'s bit stream word by word, for samplers that use a variable number of words (rejection
 * sampling, shuffles). Its words are exactly those of {@link randomBits} in order.
 * @internal
 */
export class BitStream {
  private readonly buffer = new Uint32Array(256);
  private pos = 256;
  private nextBlock = 0;

  /** Starts at word 0 of `key`'s bit stream. */
  constructor(private readonly key: RandomKey) {}

  /** The next word of the stream, as an unsigned 32-bit integer. */
  next(): number {
    if (this.pos === this.buffer.length) {
      philoxFill(this.key.k[0], this.key.k[1], 0, Domain.bits, this.nextBlock, this.buffer);
      this.nextBlock += this.buffer.length / 4;
      this.pos = 0;
    }
    return this.buffer[this.pos++]!;
  }

  /**
   * A uniform integer in `[0, range)` for `1 <= range <= 2^32`, exactly unbiased: Lemire's multiply-shift
   * ("Fast random integer generation in an interval", 2019) takes the high word of `word * range` and
   * rejects the few low words that would favour some results, drawing again from the stream.
   */
  below(range: number): number {
    if (range === TWO_32) return this.next();
    let word = this.next();
    let low = Math.imul(word, range) >>> 0;
    if (low < range) {
      const threshold = (TWO_32 - range) % range;
      while (low < threshold) {
        word = this.next();
        low = Math.imul(word, range) >>> 0;
      }
    }
    return mulHi32(word, range);
  }
}
