/**
 * A small strict JSON reader for safetensors headers. `JSON.parse` cannot be used as is: it keeps the last of
 * duplicate keys silently, builds whatever nesting the file holds (a 100 MB nested header took 37 s and 5 GB)
 * and gives objects whose keys can reach prototypes. The header schema is fixed and shallow (an object of
 * tensor objects holding flat arrays), so the parser in safetensors-header.ts walks it with this cursor and
 * refuses anything else as soon as it appears; time and memory stay linear in the header.
 */

/** JSON whitespace: space, tab, line feed, carriage return. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** True for the character codes of 0-9 (NaN past the end is not a digit). */
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** A position in the header text, with typed reads that throw `fail(problem)` on anything unexpected. */
export class JsonCursor {
  /** Index of the next character (UTF-16 code unit) to read. */
  pos = 0;

  constructor(
    readonly text: string,
    /** Makes the error for a syntax problem (the message already says where). */
    private readonly fail: (problem: string) => Error,
  ) {}

  /** Skips whitespace and returns the next character code (-1 at the end) without consuming it. */
  peek(): number {
    const t = this.text;
    while (this.pos < t.length && isSpace(t.charCodeAt(this.pos))) this.pos++;
    return this.pos < t.length ? t.charCodeAt(this.pos) : -1;
  }

  /** Consumes `ch` (after whitespace) or throws. */
  expect(ch: string): void {
    if (this.peek() !== ch.charCodeAt(0)) throw this.syntax(`expected ${JSON.stringify(ch)}`);
    this.pos++;
  }

  /** True (and consumed) when the next character is `ch`. */
  eat(ch: string): boolean {
    if (this.peek() !== ch.charCodeAt(0)) return false;
    this.pos++;
    return true;
  }

  /** After a member of an object or array: true for `,`, false for `close`; anything else is an error. */
  more(close: "}" | "]"): boolean {
    if (this.eat(",")) return true;
    if (this.eat(close)) return false;
    throw this.syntax(`expected "," or ${JSON.stringify(close)}`);
  }

  /** True when only whitespace is left. */
  atEnd(): boolean {
    return this.peek() === -1;
  }

  /**
   * When the next token is exactly the string `"word"` (no escapes) followed by optional whitespace and `:`,
   * consumes both and returns true; otherwise consumes nothing. Matches object keys without allocating.
   */
  key(word: string): boolean {
    if (this.peek() !== 0x22) return false;
    const t = this.text;
    const end = this.pos + word.length + 1;
    if (t.charCodeAt(end) !== 0x22 || !t.startsWith(word, this.pos + 1)) return false;
    const save = this.pos;
    this.pos = end + 1;
    if (this.eat(":")) return true;
    this.pos = save;
    return false;
  }

  /** Reads a JSON string. */
  string(): string {
    if (this.peek() !== 0x22) throw this.syntax("expected a string");
    const t = this.text;
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      if (i >= t.length) throw this.syntax("unterminated string", start);
      const c = t.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) throw this.syntax("control character in a string", i);
      if (c !== 0x5c) {
        i++;
        continue;
      }
      escaped = true;
      const e = t.charCodeAt(i + 1);
      if (e === 0x75) {
        // \uXXXX
        if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) throw this.syntax("bad \\u escape", i);
        i += 6;
      } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        i += 2;
      } else {
        throw this.syntax("bad escape", i);
      }
    }
    this.pos = i + 1;
    // Escapes are validated above, so JSON.parse of the one string token cannot fail.
    return escaped ? (JSON.parse(t.slice(start, i + 1)) as string) : t.slice(start + 1, i);
  }

  /** Reads a JSON number (the exact grammar of RFC 8259), returning its value. */
  number(): number {
    this.peek();
    const t = this.text;
    const start = this.pos;
    let i = start;
    if (t.charCodeAt(i) === 0x2d) i++;
    if (t.charCodeAt(i) === 0x30) i++; // a leading zero stands alone: "01" is not JSON
    else if (!isDigit(t.charCodeAt(i))) throw this.syntax("expected a value", start);
    else while (isDigit(t.charCodeAt(i))) i++;
    if (t.charCodeAt(i) === 0x2e) {
      if (!isDigit(t.charCodeAt(++i))) throw this.syntax("expected digits after the decimal point", start);
      while (isDigit(t.charCodeAt(i))) i++;
    }
    if (t.charCodeAt(i) === 0x65 || t.charCodeAt(i) === 0x45) {
      i++;
      if (t.charCodeAt(i) === 0x2b || t.charCodeAt(i) === 0x2d) i++;
      if (!isDigit(t.charCodeAt(i))) throw this.syntax("expected digits in the exponent", start);
      while (isDigit(t.charCodeAt(i))) i++;
    }
    this.pos = i;
    return Number(t.slice(start, i));
  }

  /** Reads a JSON scalar (string, number, true, false or null); containers are an error. */
  scalar(): string | number | boolean | null {
    const c = this.peek();
    if (c === 0x22) return this.string();
    if (c === 0x74 && this.word("true")) return true;
    if (c === 0x66 && this.word("false")) return false;
    if (c === 0x6e && this.word("null")) return null;
    return this.number();
  }

  /** Consumes the literal `w` when it is next. */
  private word(w: string): boolean {
    if (!this.text.startsWith(w, this.pos)) return false;
    this.pos += w.length;
    return true;
  }

  /**
   * A short description of the value at the cursor for "got ..." messages, in the words of `describeJson`:
   * scalars are read (and consumed); for a container it says only "an array" / "an object".
   */
  describe(): string {
    const c = this.peek();
    if (c === 0x5b) return "an array";
    if (c === 0x7b) return "an object";
    if (c === -1) throw this.syntax("expected a value");
    const v = this.scalar();
    if (v === null) return "null";
    if (typeof v === "string") return `the string ${JSON.stringify(v.length <= 60 ? v : `${v.slice(0, 60)}...`)}`;
    return `${typeof v} ${String(v)}`;
  }

  /** A syntax error at `at` (default: the cursor), quoting a little of the text there. */
  syntax(problem: string, at = this.pos): Error {
    const near = this.text.slice(at, at + 12);
    return this.fail(
      `header is not valid JSON (${problem} at character ${at}, ${near ? `got ${JSON.stringify(near)}` : "at the end"})`,
    );
  }
}

/** Where a header nests deeper than allowed: the depth reached, the character and the top-level key around it. */
interface NestingProblem {
  readonly depth: number;
  readonly at: number;
  /** The top-level key whose value nests too deep (undefined when none was read yet). */
  readonly key: string | undefined;
}

/**
 * One linear pass over the header text counting bracket depth outside strings; returns the first place where
 * it exceeds `maxDepth`, or undefined. Malformed text is not reported here (the parser does that).
 */
export function findDeepNesting(text: string, maxDepth: number): NestingProblem | undefined {
  let depth = 0;
  let keyExpected = false;
  let keyStart = -1;
  let keyEnd = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
      if (depth === 1 && keyExpected) {
        keyStart = start;
        keyEnd = i + 1;
        keyExpected = false;
      }
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > maxDepth) return { depth, at: i, key: decodeKey(text, keyStart, keyEnd) };
      keyExpected = depth === 1;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c) {
      keyExpected = depth === 1;
    }
  }
  return undefined;
}

function decodeKey(text: string, start: number, end: number): string | undefined {
  if (start < 0) return undefined;
  try {
    const key: unknown = JSON.parse(text.slice(start, end));
    return typeof key === "string" ? key : undefined;
  } catch {
    return undefined;
  }
}
