/**
 * ftfy's small, character-level fixers (ftfy.fixes), each a pure string -> string function.
 */

import { HTML5_ENTITIES } from "../html5-entities.js";
import { htmlUnescape } from "../html-unescape.js";

let ftfyEntities: Map<string, string> | undefined;

/**
 * ftfy's entity table: every HTML5 name that ends in ';', plus all-caps spellings of
 * lowercase names ("&EACUTE;" -> "É") where the caps spelling means nothing else.
 */
function entityTable(): Map<string, string> {
  if (ftfyEntities) return ftfyEntities;
  const table = new Map<string, string>();
  for (const [name, value] of Object.entries(HTML5_ENTITIES)) {
    table.set(`&${name};`, value);
    if (name === name.toLowerCase()) {
      const upper = `&${name.toUpperCase()};`;
      if (htmlUnescape(upper) === upper) table.set(upper, value.toUpperCase());
    }
  }
  ftfyEntities = table;
  return table;
}

const HTML_ENTITY_RE = /&#?[0-9A-Za-z]{1,24};/g;

/** Decodes HTML entities that end in ';' (and all-caps Latin ones), leaving ambiguous ones alone. */
export function unescapeHtml(text: string): string {
  return text.replace(HTML_ENTITY_RE, (entity) => {
    const known = entityTable().get(entity);
    if (known !== undefined) return known;
    if (entity.startsWith("&#")) {
      const decoded = htmlUnescape(entity);
      return decoded.includes(";") ? entity : decoded;
    }
    return entity;
  });
}

const ANSI_RE = /\x1b\[((?:\p{Nd}|;)*)([a-zA-Z])/gu;

/** Removes ANSI terminal escape sequences (colours and the like). */
export function removeTerminalEscapes(text: string): string {
  return text.replace(ANSI_RE, "");
}

/** Replaces curly single and double quotes with straight ones. */
export function uncurlQuotes(text: string): string {
  return text.replace(/[\u201c-\u201f]/g, '"').replace(/[\u02bc\u2018-\u201b]/g, "'");
}

const LIGATURES = new Map<string, string>([
  ["\u0132", "IJ"], ["\u0133", "ij"], ["\u0149", "\u02bcn"], ["\u01f1", "DZ"], ["\u01f2", "Dz"], ["\u01f3", "dz"],
  ["\u01c4", "D\u017d"], ["\u01c5", "D\u017e"], ["\u01c6", "d\u017e"], ["\u01c7", "LJ"], ["\u01c8", "Lj"],
  ["\u01c9", "lj"], ["\u01ca", "NJ"], ["\u01cb", "Nj"], ["\u01cc", "nj"], ["\ufb00", "ff"], ["\ufb01", "fi"],
  ["\ufb02", "fl"], ["\ufb03", "ffi"], ["\ufb04", "ffl"], ["\ufb05", "\u017ft"], ["\ufb06", "st"],
]);
const LIGATURE_RE = /[\u0132\u0133\u0149\u01c4-\u01cc\u01f1-\u01f3\ufb00-\ufb06]/g;

/** Splits Latin ligatures and legacy digraphs ("ﬁ" -> "fi", "ǆ" -> "dž"). */
export function fixLatinLigatures(text: string): string {
  return text.replace(LIGATURE_RE, (ch) => LIGATURES.get(ch) ?? ch);
}

let widthMap: Map<string, string> | undefined;

function buildWidthMap(): Map<string, string> {
  const map = new Map<string, string>([["\u3000", " "]]);
  for (let cp = 0xff01; cp < 0xfff0; cp++) {
    const ch = String.fromCharCode(cp);
    const alternate = ch.normalize("NFKC");
    if (alternate !== ch) map.set(ch, alternate);
  }
  return map;
}

/** Replaces fullwidth and halfwidth forms (and U+3000) with their standard-width forms. */
export function fixCharacterWidth(text: string): string {
  widthMap ??= buildWidthMap();
  const map = widthMap;
  return text.replace(/[\u3000\uff01-\uffef]/g, (ch) => map.get(ch) ?? ch);
}

/** Converts CRLF, CR, U+2028, U+2029 and U+0085 line breaks to '\n'. */
export function fixLineBreaks(text: string): string {
  return text.replace(/\r\n|[\r\u2028\u2029\x85]/g, "\n");
}

const LONE_SURROGATE_RE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Replaces unpaired UTF-16 surrogates with U+FFFD (paired ones already form characters in JS). */
export function fixSurrogates(text: string): string {
  return text.replace(LONE_SURROGATE_RE, "\ufffd");
}

const CONTROL_CHARS_RE = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;

/** Removes control characters with no visible effect (keeps tabs, newlines, C1 and joiners). */
export function removeControlChars(text: string): string {
  return text.replace(CONTROL_CHARS_RE, "");
}
