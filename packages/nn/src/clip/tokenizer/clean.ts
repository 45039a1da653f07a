/**
 * CLIP's text cleaning (open_clip `_clean_lower`): ftfy, HTML unescaping twice, whitespace
 * collapsing and lowercasing, with Python's notion of whitespace.
 */

import { fixText } from "./ftfy/fix-text.js";
import { htmlUnescape } from "./html-unescape.js";
import { PY_SPACE } from "./ftfy/pyregex.js";

const PY_SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, "gu");
const PY_SPACE_EDGES = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "gu");

/** Python `str.strip()` with no arguments. */
function pyStrip(text: string): string {
  return text.replace(PY_SPACE_EDGES, "");
}

/** Python `" ".join(text.split())`: trims and collapses whitespace runs to one space. */
export function collapseWhitespace(text: string): string {
  return pyStrip(text).replace(PY_SPACE_RUN, " ");
}

/** open_clip `basic_clean`: `ftfy.fix_text`, then `html.unescape` twice, then strip. */
export function basicClean(text: string): string {
  return pyStrip(htmlUnescape(htmlUnescape(fixText(text))));
}

/**
 * Cleans a caption exactly as open_clip's SimpleTokenizer does by default ("lower"):
 * ftfy.fix_text, html.unescape twice, strip, whitespace collapse, lowercase.
 */
export function cleanText(text: string): string {
  return collapseWhitespace(basicClean(text)).toLowerCase();
}
