/**
 * ftfy's mojibake heuristic (ftfy.badness): a regex of character sequences, built from a
 * few hundred categorised characters, that are far more likely to be mojibake than text.
 */

import { PY_DOT, PY_SPACE, PY_WORD } from "./pyregex.js";
import { MOJIBAKE_CATEGORIES as C } from "./tables.js";

const ALTERNATIVES: readonly string[] = [
  String.raw`[${C.c1}]`,
  String.raw`[${C.bad}${C.lower_accented}${C.upper_accented}${C.box}${C.start_punctuation}${C.end_punctuation}${C.currency}${C.numeric}${C.law}][${C.bad}]`,
  String.raw`[a-zA-Z][${C.lower_common}${C.upper_common}][${C.bad}]`,
  String.raw`[${C.bad}][${C.lower_accented}${C.upper_accented}${C.box}${C.start_punctuation}${C.end_punctuation}${C.currency}${C.numeric}${C.law}]`,
  String.raw`[${C.lower_accented}${C.lower_common}${C.box}${C.end_punctuation}${C.currency}${C.numeric}][${C.upper_accented}]`,
  String.raw`[${C.box}${C.end_punctuation}${C.currency}${C.numeric}][${C.lower_accented}]`,
  String.raw`[${C.lower_accented}${C.box}${C.end_punctuation}][${C.currency}]`,
  String.raw`[${PY_SPACE}][${C.upper_accented}][${C.currency}]`,
  String.raw`[${C.upper_accented}${C.box}][${C.numeric}${C.law}]`,
  String.raw`[${C.lower_accented}${C.upper_accented}${C.box}${C.currency}${C.end_punctuation}][${C.start_punctuation}][${C.numeric}]`,
  String.raw`[${C.lower_accented}${C.upper_accented}${C.currency}${C.numeric}${C.box}${C.law}][${C.end_punctuation}][${C.start_punctuation}]`,
  String.raw`[${C.currency}${C.numeric}${C.box}][${C.start_punctuation}]`,
  String.raw`[a-z][${C.upper_accented}][${C.start_punctuation}${C.currency}]`,
  String.raw`[${C.box}][${C.kaomoji}]`,
  String.raw`[${C.lower_accented}${C.upper_accented}${C.currency}${C.numeric}${C.start_punctuation}${C.end_punctuation}${C.law}][${C.box}]`,
  String.raw`[${C.box}][${C.end_punctuation}]`,
  String.raw`[${C.lower_accented}${C.upper_accented}][${C.start_punctuation}${C.end_punctuation}][${PY_WORD}]`,
  // The ligature œ when not followed by an unaccented Latin letter.
  String.raw`[\u0152\u0153][^A-Za-z]`,
  // Degree signs after capital letters.
  String.raw`[${C.upper_accented}]\xb0`,
  // Common Windows-1252 two-character mojibake not covered above.
  String.raw`[\xc2\xc3\xce\xd0][\u20ac\u0153\u0160\u0161\xa2\xa3\u0178\u017e\xa0\xad\xae\xa9\xb0\xb7\xbb${C.start_punctuation}${C.end_punctuation}\u2013\u2014\xb4]`,
  String.raw`\xd7[\xb2\xb3]`,
  // Windows-1252 mojibake of Arabic: four characters, because 'common' ones are involved.
  String.raw`[\xd8\xd9][${C.common}${C.currency}${C.bad}${C.numeric}${C.start_punctuation}\u0178\u0160\xae\xb0\xb5\xbb]` +
    String.raw`[\xd8\xd9][${C.common}${C.currency}${C.bad}${C.numeric}${C.start_punctuation}\u0178\u0160\xae\xb0\xb5\xbb]`,
  // Windows-1252 starts of three-byte sequences for some South Asian scripts.
  String.raw`\xe0[\xb2\xb5\xb9\xbc\xbd\xbe]`,
  // MacRoman mojibake.
  String.raw`\u221a[\xb1\u2202\u2020\u2260\xae\u2122\xb4\u2264\u2265\xa5\xb5\xf8]`,
  String.raw`\u2248[\xb0\xa2]`,
  String.raw`\u201a\xc4[\xec\xee\xef\xf2\xf4\xfa\xf9\xfb\u2020\xb0\xa2\u03c0]`,
  String.raw`\u201a[\xe2\xf3][\xe0\xe4\xb0\xea]`,
  // Windows-1251 mojibake of U+2000-range characters, of Latin-1 and of Cyrillic.
  String.raw`\u0432\u0402`,
  String.raw`[\u0412\u0413\u0420\u0421][${C.c1}${C.bad}${C.start_punctuation}${C.end_punctuation}${C.currency}\xb0\xb5][\u0412\u0413\u0420\u0421]`,
  String.raw`\u0413\u045e\u0412\u0402\u0412${PY_DOT}[A-Za-z ]`,
  // Windows-1252 encodings of 'à' and 'á', and of U+00A0 itself.
  String.raw`\xc3[\xa0\xa1]`,
  String.raw`[a-z][${PY_SPACE}]?[\xc3\xc2][ ]`,
  String.raw`^[\xc3\xc2][ ]`,
  // Â standing in front of the very character it encodes.
  String.raw`[a-z.,?!${C.end_punctuation}]\xc2[ ${C.start_punctuation}${C.end_punctuation}]`,
  // Windows-1253 mojibake of U+2000-range characters, of Latin-1 and of Greek.
  String.raw`\u03b2\u20ac[\u2122\xa0\u0386\xad\xae\xb0]`,
  String.raw`[\u0392\u0393\u039e\u039f][${C.c1}${C.bad}${C.start_punctuation}${C.end_punctuation}${C.currency}\xb0][\u0392\u0393\u039e\u039f]`,
  // Windows-1257 mojibake of U+2000-range characters.
  String.raw`\u0101\u20ac`,
];

const BADNESS_RE = new RegExp(ALTERNATIVES.join("|"), "u");

/** True when the text contains a character sequence that looks like mojibake (ftfy `is_bad`). */
export function isBad(text: string): boolean {
  return BADNESS_RE.test(text);
}
