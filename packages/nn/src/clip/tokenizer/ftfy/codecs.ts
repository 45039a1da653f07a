/**
 * Byte-level codecs that ftfy's encoding fixer needs: the single-byte charmaps it tries,
 * strict UTF-8, and ftfy's "utf-8-variants" (UTF-8 plus CESU-8 surrogate pairs and
 * Java's two-byte NUL).
 *
 * Bytes are carried as "binary strings": one UTF-16 code unit per byte (U+0000..U+00FF),
 * so that ftfy's byte-level regular expressions can run as ordinary JavaScript regexes.
 */

import { CHARMAP_TABLES, type CharmapTable } from "./tables.js";

/** A single-byte, ASCII-compatible codec, as the encoder direction (character -> byte) ftfy needs. */
interface Charmap {
  /** ftfy's codec name, e.g. "sloppy-windows-1252". */
  readonly name: string;
  /** Character (one code point) -> byte, for every encodable character. */
  readonly encodeMap: ReadonlyMap<string, number>;
}

function buildCharmap(table: CharmapTable): Charmap {
  const encodeMap = new Map<string, number>();
  for (let b = 0; b < 0x80; b++) encodeMap.set(String.fromCharCode(b), b);
  if (table.sloppy) {
    encodeMap.delete("\x1a");
    encodeMap.set("\ufffd", 0x1a);
  }
  for (let i = 0; i < 128; i++) encodeMap.set(table.high.charAt(i), 0x80 + i);
  return { name: table.name, encodeMap };
}

/** The single-byte codecs that ftfy tries, in its order (latin-1 first, cp437 last). */
export const CHARMAPS: readonly Charmap[] = CHARMAP_TABLES.map(buildCharmap);

const SLOPPY_1252 = CHARMAP_TABLES.find((t) => t.name === "sloppy-windows-1252");

/** Decodes one byte (0x80..0x9F in practice) as ftfy's sloppy Windows-1252 would. */
export function sloppyWindows1252Char(byte: number): string {
  if (byte < 0x80 || SLOPPY_1252 === undefined) return String.fromCharCode(byte);
  return SLOPPY_1252.high.charAt(byte - 0x80);
}

/**
 * Encodes text with a charmap into a binary string, or returns null when some character
 * has no byte in it (Python would raise UnicodeEncodeError).
 */
export function encodeCharmap(text: string, charmap: Charmap): string | null {
  let out = "";
  for (const ch of text) {
    const byte = charmap.encodeMap.get(ch);
    if (byte === undefined) return null;
    out += String.fromCharCode(byte);
  }
  return out;
}

/** Converts a binary string to bytes. */
function binaryToBytes(binary: string): Uint8Array {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Strict UTF-8 decoding of a binary string; null where Python would raise UnicodeDecodeError. */
export function decodeUtf8Strict(binary: string): string | null {
  try {
    return strictUtf8.decode(binaryToBytes(binary));
  } catch {
    return null;
  }
}

function isContinuation(byte: number): boolean {
  return byte >= 0x80 && byte <= 0xbf;
}

/**
 * ftfy's "utf-8-variants" decoding: standard UTF-8, plus C0 80 as U+0000 and CESU-8
 * six-byte surrogate pairs as one astral character. Returns null where it would raise.
 */
export function decodeUtf8Variants(binary: string): string | null {
  const bytes = binaryToBytes(binary);
  const parts: string[] = [];
  let start = 0;
  let i = 0;
  const flush = (end: number): boolean => {
    if (end <= start) return true;
    try {
      parts.push(strictUtf8.decode(bytes.subarray(start, end)));
      return true;
    } catch {
      return false;
    }
  };
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b === 0xc0 && bytes[i + 1] === 0x80) {
      if (!flush(i)) return null;
      parts.push("\u0000");
      i += 2;
      start = i;
    } else if (b === 0xed && (bytes[i + 1] ?? 0) >= 0xa0 && (bytes[i + 1] ?? 0) <= 0xbf) {
      // A surrogate in UTF-8 clothing: only a complete CESU-8 pair decodes.
      if (!flush(i)) return null;
      if (i + 6 > bytes.length) return null;
      const [b1, b2, b3, b4, b5] = [bytes[i + 1]!, bytes[i + 2]!, bytes[i + 3]!, bytes[i + 4]!, bytes[i + 5]!];
      const isPair = b1 <= 0xaf && isContinuation(b2) && b3 === 0xed && b4 >= 0xb0 && b4 <= 0xbf && isContinuation(b5);
      if (!isPair) return null;
      const codePoint = ((b1 & 0x0f) << 16) + ((b2 & 0x3f) << 10) + ((b4 & 0x0f) << 6) + (b5 & 0x3f) + 0x10000;
      parts.push(String.fromCodePoint(codePoint));
      i += 6;
      start = i;
    } else {
      i++;
    }
  }
  if (!flush(bytes.length)) return null;
  return parts.join("");
}
