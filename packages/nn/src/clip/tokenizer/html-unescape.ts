/**
 * A port of Python's `html.unescape`: decodes named and numeric character references
 * the way the HTML5 tokenizer does outside attributes, including legacy names without
 * a trailing ';' ("&amp" -> "&") and longest-prefix matching ("&notit;" -> "¬it;").
 */

import { HTML5_ENTITIES, LEGACY_ENTITY_NAMES } from "./html5-entities.js";

const NAMED = new Map<string, string>(Object.entries(HTML5_ENTITIES));
const LEGACY = new Map<string, string>(LEGACY_ENTITY_NAMES.map((name) => [name, NAMED.get(name) ?? ""]));

/** Numeric references the HTML5 spec remaps (mostly the Windows-1252 C1 range). */
const INVALID_CHARREFS = new Map<number, string>([
  [0x00, "\ufffd"], [0x0d, "\r"], [0x80, "\u20ac"], [0x81, "\x81"], [0x82, "\u201a"], [0x83, "\u0192"],
  [0x84, "\u201e"], [0x85, "\u2026"], [0x86, "\u2020"], [0x87, "\u2021"], [0x88, "\u02c6"], [0x89, "\u2030"],
  [0x8a, "\u0160"], [0x8b, "\u2039"], [0x8c, "\u0152"], [0x8d, "\x8d"], [0x8e, "\u017d"], [0x8f, "\x8f"],
  [0x90, "\x90"], [0x91, "\u2018"], [0x92, "\u2019"], [0x93, "\u201c"], [0x94, "\u201d"], [0x95, "\u2022"],
  [0x96, "\u2013"], [0x97, "\u2014"], [0x98, "\u02dc"], [0x99, "\u2122"], [0x9a, "\u0161"], [0x9b, "\u203a"],
  [0x9c, "\u0153"], [0x9d, "\x9d"], [0x9e, "\u017e"], [0x9f, "\u0178"],
]);

/** Code points that numeric references decode to nothing (controls and noncharacters). */
function isInvalidCodePoint(cp: number): boolean {
  return (
    (cp >= 0x01 && cp <= 0x08) ||
    cp === 0x0b ||
    (cp >= 0x0e && cp <= 0x1f) ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp & 0xfffe) === 0xfffe
  );
}

const CHARREF_RE = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

function decodeNumeric(ref: string): string {
  const body = ref.endsWith(";") ? ref.slice(0, -1) : ref;
  const hex = body[1] === "x" || body[1] === "X";
  const num = hex ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
  const remapped = INVALID_CHARREFS.get(num);
  if (remapped !== undefined) return remapped;
  if ((num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) return "\ufffd";
  if (isInvalidCodePoint(num)) return "";
  return String.fromCodePoint(num);
}

function decodeNamed(ref: string): string {
  const exact = ref.endsWith(";") ? NAMED.get(ref.slice(0, -1)) : LEGACY.get(ref);
  if (exact !== undefined) return exact;
  // The longest legacy name that prefixes the reference wins; the rest stays as text.
  const chars = Array.from(ref);
  for (let n = chars.length - 1; n > 1; n--) {
    const value = LEGACY.get(chars.slice(0, n).join(""));
    if (value !== undefined) return value + chars.slice(n).join("");
  }
  return "&" + ref;
}

/**
 * Decodes HTML character references exactly like Python's `html.unescape`.
 * @internal
 */
export function htmlUnescape(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(CHARREF_RE, (_match, ref: string) => (ref[0] === "#" ? decodeNumeric(ref) : decodeNamed(ref)));
}
