/**
 * ftfy's mojibake repair (`ftfy.fix_encoding` with default options): when text looks bad,
 * re-encode it in the single-byte codec it was probably mis-decoded with and decode the
 * bytes as UTF-8; otherwise fix embedded UTF-8 runs or stray C1 controls.
 */

import { isBad } from "./badness.js";
import { CHARMAPS, decodeUtf8Strict, decodeUtf8Variants, encodeCharmap, sloppyWindows1252Char } from "./codecs.js";
import { UTF8_CLUES as U } from "./tables.js";

/** UTF-8 sequences that would be valid had a byte A0 not been turned into a space (binary string). */
const ALTERED_UTF8_RE = new RegExp(
  [
    String.raw`[\xc2\xc3\xc5\xce\xd0\xd9][ ]`,
    String.raw`[\xe2\xe3][ ][\x80-\x84\x86-\x9f\xa1-\xbf]`,
    String.raw`[\xe0-\xe3][\x80-\x84\x86-\x9f\xa1-\xbf][ ]`,
    String.raw`[\xf0][ ][\x80-\xbf][\x80-\xbf]`,
    String.raw`[\xf0][\x80-\xbf][ ][\x80-\xbf]`,
    String.raw`[\xf0][\x80-\xbf][\x80-\xbf][ ]`,
  ].join("|"),
  "g",
);

const ALTERED_UTF8_TEST = new RegExp(ALTERED_UTF8_RE.source);

/** "Ã " as a word of its own is almost always "à " (with Portuguese exceptions). */
const A_GRAVE_WORD_RE = /\xc3 (?! |quele|quela|quilo|s )/g;

/** UTF-8 sequences where a sloppy codec's byte 1A stands for lost bytes (binary string). */
const LOSSY_UTF8_RE = new RegExp(
  [
    String.raw`[\xc2-\xdf][\x1a]`,
    String.raw`[\xc2-\xc3][?]`,
    String.raw`\xed[\xa0-\xaf][\x1a?]\xed[\xb0-\xbf][\x1a?\x80-\xbf]`,
    String.raw`\xed[\xa0-\xaf][\x1a?\x80-\xbf]\xed[\xb0-\xbf][\x1a?]`,
    String.raw`[\xe0-\xef][\x1a?][\x1a\x80-\xbf]`,
    String.raw`[\xe0-\xef][\x1a\x80-\xbf][\x1a?]`,
    String.raw`[\xf0-\xf4][\x1a?][\x1a\x80-\xbf][\x1a\x80-\xbf]`,
    String.raw`[\xf0-\xf4][\x1a\x80-\xbf][\x1a?][\x1a\x80-\xbf]`,
    String.raw`[\xf0-\xf4][\x1a\x80-\xbf][\x1a\x80-\xbf][\x1a?]`,
    String.raw`\x1a`,
  ].join("|"),
  "g",
);

/** Runs of characters that look like UTF-8 bytes decoded one by one (ftfy UTF8_DETECTOR_RE). */
const UTF8_DETECTOR_RE = new RegExp(
  String.raw`(?<![${U.utf8_continuation_strict}])(?:` +
    String.raw`[${U.utf8_first_of_2}][${U.utf8_continuation}]` +
    String.raw`|[${U.utf8_first_of_3}][${U.utf8_continuation}]{2}` +
    String.raw`|[${U.utf8_first_of_4}][${U.utf8_continuation}]{3})+`,
  "gu",
);

const UTF8_DETECTOR_TEST = new RegExp(UTF8_DETECTOR_RE.source, "u");

const ASCII_RE = /^[\x00-\x7f]*$/;
const C1_CONTROL_RE = /[\x80-\x9f]/;
const C1_CONTROLS_RE = /[\x80-\x9f]/g;
const WINDOWS_1252_UNDEFINED = /[\x81\x8d\x8f\x90\x9d]/;

function restoreByteA0(binary: string): string {
  return binary
    .replace(A_GRAVE_WORD_RE, "\xc3\xa0 ")
    .replace(ALTERED_UTF8_RE, (m) => m.replaceAll(" ", "\xa0"));
}

function replaceLossySequences(binary: string): string {
  return binary.replace(LOSSY_UTF8_RE, "\xef\xbf\xbd");
}

/** Replaces C1 control characters with their Windows-1252 meanings, as browsers do. */
export function fixC1Controls(text: string): string {
  return text.replace(C1_CONTROLS_RE, (m) => sloppyWindows1252Char(m.charCodeAt(0)));
}

/** Fixes UTF-8 mojibake embedded in otherwise different text, one run at a time. */
function decodeInconsistentUtf8(text: string): string {
  return text.replace(UTF8_DETECTOR_RE, (run) => (run.length < text.length && isBad(run) ? fixEncoding(run) : run));
}

/** Tries "encode as a single-byte codec, decode as UTF-8" for each codec in ftfy's order. */
function tryCharmaps(text: string, possible: string[]): string | null {
  for (const charmap of CHARMAPS) {
    let binary = encodeCharmap(text, charmap);
    if (binary === null) continue;
    possible.push(charmap.name);
    if (charmap.name !== "macroman" && ALTERED_UTF8_TEST.test(binary)) binary = restoreByteA0(binary);
    if (charmap.name.startsWith("sloppy")) binary = replaceLossySequences(binary);
    const variants = binary.includes("\xed") || binary.includes("\xc0");
    const fixed = variants ? decodeUtf8Variants(binary) : decodeUtf8Strict(binary);
    if (fixed !== null) return fixed;
  }
  return null;
}

function fixEncodingOneStep(text: string): string {
  if (text.length === 0 || ASCII_RE.test(text) || !isBad(text)) return text;
  const possible: string[] = [];
  const decoded = tryCharmaps(text, possible);
  if (decoded !== null) return decoded;

  if (UTF8_DETECTOR_TEST.test(text)) {
    const fixed = decodeInconsistentUtf8(text);
    if (fixed !== text) return fixed;
  }
  // Latin-1 text with C1 controls was probably meant as Windows-1252 (strict, so the
  // five undefined bytes make this step a no-op, as Python's codec would raise).
  if (possible.includes("latin-1") && !WINDOWS_1252_UNDEFINED.test(text)) {
    const fixed = fixC1Controls(text);
    if (fixed !== text) return fixed;
  }
  if (C1_CONTROL_RE.test(text)) return fixC1Controls(text);
  return text;
}

/** ftfy `fix_encoding`: repeats one repair step until the text stops changing. */
export function fixEncoding(text: string): string {
  for (;;) {
    const fixed = fixEncodingOneStep(text);
    if (fixed === text) return fixed;
    text = fixed;
  }
}

