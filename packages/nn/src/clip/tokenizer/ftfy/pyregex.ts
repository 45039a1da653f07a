/**
 * Regex class contents that reproduce Python's `re` shorthands for str patterns, which
 * differ from JavaScript's `\s`, `\w` and `.` (use them with the `u` flag).
 */

/** Python `\s` (str.isspace): JS `\s` lacks U+001C..U+001F and U+0085, and adds U+FEFF. */
export const PY_SPACE = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/** Python `\w` (str.isalnum() or '_'). */
export const PY_WORD = "\\p{L}\\p{N}_";

/** Python `.` without DOTALL: anything but '\n'. */
export const PY_DOT = "[^\\n]";

/** `\s` of Python's third-party `regex` module (Unicode White_Space: no U+001C..U+001F). */
export const REGEX_MODULE_SPACE = "\\t-\\r\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
