/**
 * `fixText`: a port of `ftfy.fix_text` (ftfy 6.3.1) with its default configuration, the
 * first step of CLIP's text cleaning.
 */

import { fixC1Controls, fixEncoding } from "./fix-encoding.js";
import {
  fixCharacterWidth,
  fixLatinLigatures,
  fixLineBreaks,
  fixSurrogates,
  removeControlChars,
  removeTerminalEscapes,
  uncurlQuotes,
  unescapeHtml,
} from "./fixes.js";

/** ftfy fixes text in segments of at most this many characters (normally whole lines). */
const MAX_DECODE_LENGTH = 1_000_000;

const CHARACTER_FIXERS: readonly ((text: string) => string)[] = [
  fixC1Controls,
  fixLatinLigatures,
  fixCharacterWidth,
  uncurlQuotes,
  fixLineBreaks,
  fixSurrogates,
  removeTerminalEscapes,
  removeControlChars,
];

/** Applies every fix to one segment, repeating until the text stops changing. */
function fixSegment(text: string, unescape: boolean): string {
  for (;;) {
    const original = text;
    if (unescape) text = unescapeHtml(text);
    text = fixEncoding(text);
    for (const fixer of CHARACTER_FIXERS) text = fixer(text);
    text = text.normalize("NFC");
    if (text === original) return text;
  }
}

/** Where the segment starting at `pos` ends: after the next '\n', or after the length limit. */
function segmentEnd(text: string, pos: number): number {
  const newline = text.indexOf("\n", pos);
  let end = newline < 0 ? text.length : newline + 1;
  if (end - pos > MAX_DECODE_LENGTH) {
    end = pos + MAX_DECODE_LENGTH;
    // Keep surrogate pairs together (Python counts code points, JavaScript UTF-16 units).
    const code = text.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end++;
  }
  return end;
}

/**
 * Fixes mojibake and other glitches exactly like `ftfy.fix_text(text)` with default options:
 * HTML entities (unless the text contains '<'), UTF-8 mis-decoded as a single-byte codec,
 * C1 controls, Latin ligatures, character width, curly quotes, line breaks, surrogates,
 * terminal escapes, control characters, and NFC normalisation.
 */
export function fixText(text: string): string {
  let unescape = true;
  const out: string[] = [];
  for (let pos = 0; pos < text.length; ) {
    const end = segmentEnd(text, pos);
    const segment = text.slice(pos, end);
    // As in ftfy, once a segment looks like HTML, later segments are not unescaped either.
    if (unescape && segment.includes("<")) unescape = false;
    out.push(fixSegment(segment, unescape));
    pos = end;
  }
  return out.join("");
}
