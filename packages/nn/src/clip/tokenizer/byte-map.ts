/**
 * GPT-2/CLIP's reversible byte <-> character map: every byte gets a printable character so
 * that BPE can work on strings. Printable Latin-1 bytes map to themselves; the other 68
 * bytes map to U+0100 onwards, in byte order.
 */

function isPrintable(byte: number): boolean {
  return (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
}

/** byte -> character, indexed by byte value. */
const BYTE_TO_CHAR: readonly string[] = (() => {
  const chars: string[] = [];
  let next = 0x100;
  for (let b = 0; b < 256; b++) chars.push(String.fromCharCode(isPrintable(b) ? b : next++));
  return chars;
})();

/** character -> byte (inverse of BYTE_TO_CHAR). */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((ch, b) => [ch, b]));

/**
 * The 256 byte characters in CLIP's vocabulary order: the printable bytes in byte order
 * first, then the remapped ones (Python dict order of `bytes_to_unicode()`).
 */
export const BYTE_CHARS_IN_VOCAB_ORDER: readonly string[] = [
  ...BYTE_TO_CHAR.filter((_, b) => isPrintable(b)),
  ...BYTE_TO_CHAR.filter((_, b) => !isPrintable(b)),
];

const utf8 = new TextEncoder();

/** UTF-8 encodes a string and maps each byte to its BPE character. */
export function toByteChars(text: string): string {
  let out = "";
  for (const byte of utf8.encode(text)) out += BYTE_TO_CHAR[byte];
  return out;
}
