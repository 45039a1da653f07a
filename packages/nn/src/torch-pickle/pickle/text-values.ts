/**
 * Decoders for the text payloads of protocol-0 opcodes (INT, LONG, FLOAT, STRING, UNICODE). Each returns
 * undefined for malformed text; the caller turns that into an error naming the opcode and position.
 */
import { parseDecimal } from "./ints.js";

/** INT's payload: `01`/`00` are True/False (a protocol-0 idiom), anything else a decimal int. */
export function parseIntLine(line: string): number | bigint | boolean | undefined {
  if (line === "01") return true;
  if (line === "00") return false;
  return parseDecimal(line);
}

/** LONG's payload: a decimal int with an optional trailing `L`. */
export function parseLongLine(line: string): number | bigint | undefined {
  return parseDecimal(line.endsWith("L") ? line.slice(0, -1) : line);
}

/** FLOAT's payload, as Python's `float()` reads it (including `inf` and `nan`). */
export function parseFloatLine(line: string): number | undefined {
  const t = line.trim().toLowerCase();
  const special: Record<string, number> = { inf: Infinity, "+inf": Infinity, "-inf": -Infinity, nan: NaN, "+nan": NaN, "-nan": NaN };
  if (t in special) return special[t];
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "\n": "",
};

/** STRING's payload: a quoted Python 2 string literal with backslash escapes (decoded as Latin-1). */
export function parseQuotedString(line: string): string | undefined {
  if (line.length < 2 || line[0] !== line[line.length - 1] || (line[0] !== "'" && line[0] !== '"')) return undefined;
  const body = line.slice(1, -1);
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return undefined;
    if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
    else if (e === "x") {
      const hex = body.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      out += String.fromCharCode(parseInt(hex, 16));
      i += 2;
    } else if (/[0-7]/.test(e)) {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i))![0];
      out += String.fromCharCode(parseInt(oct, 8) & 0xff);
      i += oct.length - 1;
    } else out += `\\${e}`; // unknown escapes are kept, as Python does
  }
  return out;
}

/** UNICODE's payload: raw-unicode-escape text (`\uXXXX` and `\UXXXXXXXX` escapes, other bytes Latin-1). */
export function parseRawUnicode(line: string): string | undefined {
  let bad = false;
  const out = line.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, u4: string | undefined, u8: string | undefined) => {
    const cp = parseInt((u4 ?? u8)!, 16);
    if (cp > 0x10ffff) {
      bad = true;
      return "";
    }
    return String.fromCodePoint(cp);
  });
  return bad ? undefined : out;
}
