/**
 * Integer decoding for pickle: Python ints are unbounded, so values that fit a JS number exactly become
 * numbers and larger ones stay bigints.
 */

/** `v` as a number when it is a safe integer, else the bigint itself. */
function normalizeInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

const HEX_DIGITS = new TextEncoder().encode("0123456789abcdef");
const LATIN1 = new TextDecoder("latin1");

/** The little-endian two's-complement integer in `bytes` (the LONG1 / LONG4 payload; empty is 0). */
export function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  if (bytes.length <= 6) {
    let v = 0;
    for (let i = bytes.length - 1; i >= 0; i--) v = v * 256 + bytes[i]!;
    const bits = 8 * bytes.length;
    return bytes[bytes.length - 1]! >= 0x80 ? v - 2 ** bits : v;
  }
  // Through a hex string: linear in the length, where shifting a bigint byte by byte is quadratic.
  const digits = new Uint8Array(2 * bytes.length);
  for (let i = 0, at = digits.length - 2; i < bytes.length; i++, at -= 2) {
    digits[at] = HEX_DIGITS[bytes[i]! >> 4]!;
    digits[at + 1] = HEX_DIGITS[bytes[i]! & 15]!;
  }
  let v = BigInt(`0x${LATIN1.decode(digits)}`);
  if (bytes[bytes.length - 1]! >= 0x80) v -= 1n << BigInt(8 * bytes.length);
  return normalizeInt(v);
}

/** A decimal integer literal (optional sign), or undefined when `text` is not one. */
export function parseDecimal(text: string): number | bigint | undefined {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t) || t.length > 4096) return undefined;
  return normalizeInt(BigInt(t));
}
