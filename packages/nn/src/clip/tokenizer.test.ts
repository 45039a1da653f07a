import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { openSafetensors } from "@diva/tensor";

import { ClipTokenizer, cleanText, eotToken, fixText, htmlUnescape, sotToken } from "./tokenizer.js";

const SHARED = fileURLToPath(new URL("../../../../../shared/", import.meta.url));
const VOCAB_PATH = `${SHARED}data/bpe_simple_vocab_16e6.txt.gz`;
const FIXTURE_PATH = `${SHARED}fixtures/clip_tokenizer.safetensors`;
const haveVocab = existsSync(VOCAB_PATH);
const haveFixture = haveVocab && existsSync(FIXTURE_PATH);
if (!haveVocab) console.warn(`clip tokenizer: skipped, no vocab file at ${VOCAB_PATH}`);
else if (!haveFixture) console.warn(`clip tokenizer: fixture tests skipped, no fixture at ${FIXTURE_PATH}`);

/** Expected outputs of open_clip's SimpleTokenizer, from the reference fixture. */
interface TokenizerFixture {
  readonly contextLength: number;
  readonly strings: string[];
  readonly cleaned: string[];
  readonly decoded: string[];
  readonly inputIds: Int32Array;
  readonly lengths: Int32Array;
  readonly untruncatedLengths: Int32Array;
}

async function loadFixture(): Promise<TokenizerFixture> {
  const file = await openSafetensors(FIXTURE_PATH);
  try {
    const meta = file.metadata;
    const json = <T>(key: string): T => JSON.parse(meta[key] ?? "null") as T;
    const ints = async (name: string): Promise<Int32Array> => Int32Array.from((await file.readHost(name)).data, Number);
    return {
      contextLength: json<{ context_length: number }>("config").context_length,
      strings: json<string[]>("strings"),
      cleaned: json<string[]>("cleaned"),
      decoded: json<string[]>("decoded"),
      inputIds: await ints("input_ids"),
      lengths: await ints("lengths"),
      untruncatedLengths: await ints("untruncated_lengths"),
    };
  } finally {
    await file.close();
  }
}

const fixture = haveFixture ? await loadFixture() : undefined;
const tokenizer = haveVocab ? await ClipTokenizer.fromFile(VOCAB_PATH) : undefined;

function tok(): ClipTokenizer {
  if (!tokenizer) throw new Error("vocab file missing");
  return tokenizer;
}

describe.skipIf(!haveFixture)("ClipTokenizer vs open_clip fixture", () => {
  const fx = fixture as TokenizerFixture;
  const cases = (fixture?.strings ?? []).map((text, index) => ({ index, text }));
  const row = (i: number): number[] => Array.from(fx.inputIds.subarray(i * fx.contextLength, (i + 1) * fx.contextLength));

  it.each(cases)("string $index: cleaned text", ({ index, text }) => {
    expect(cleanText(text)).toBe(fx.cleaned[index]);
  });

  it.each(cases)("string $index: input ids and lengths", ({ index, text }) => {
    const { ids, shape } = tok().tokenize(text, fx.contextLength);
    expect(shape).toEqual([1, fx.contextLength]);
    expect(Array.from(ids)).toEqual(row(index));
    expect(tok().encode(text).length + 2).toBe(fx.untruncatedLengths[index]);
    const nonPadding = Math.min(tok().encode(text).length + 2, fx.contextLength);
    expect(nonPadding).toBe(fx.lengths[index]);
  });

  it.each(cases)("string $index: decode", ({ index }) => {
    const tokens = row(index).slice(1, fx.lengths[index]! - 1);
    expect(tok().decode(tokens)).toBe(fx.decoded[index]);
  });

  it("tokenizes the whole batch at once", () => {
    const { ids, shape } = tok().tokenize(fx.strings, fx.contextLength);
    expect(shape).toEqual([fx.strings.length, fx.contextLength]);
    expect(Array.from(ids)).toEqual(Array.from(fx.inputIds));
  });
});

describe.skipIf(!haveVocab)("ClipTokenizer", () => {
  it("has CLIP's vocabulary and special tokens", () => {
    expect(tok().vocabSize).toBe(49408);
    expect([tok().sotToken, tok().eotToken]).toEqual([sotToken, eotToken]);
    expect([sotToken, eotToken]).toEqual([49406, 49407]);
  });

  it("builds the same tokenizer from decompressed text", async () => {
    const text = gunzipSync(await readFile(VOCAB_PATH)).toString("utf-8");
    const fromText = ClipTokenizer.fromText(text);
    const caption = "A photo of a cat, sitting on émigré's résumé!";
    expect(fromText.encode(caption)).toEqual(tok().encode(caption));
  });

  it("loads the vocab file quickly", async () => {
    const start = performance.now();
    await ClipTokenizer.fromFile(VOCAB_PATH);
    expect(performance.now() - start).toBeLessThan(1500);
  });

  it("pads with zeros and keeps eot last when truncating", () => {
    const short = tok().tokenize("a cat", 8);
    expect(Array.from(short.ids)).toEqual([sotToken, 320, 2368, eotToken, 0, 0, 0, 0]);
    const long = tok().tokenize("one two three four five six seven", 5);
    expect(long.shape).toEqual([1, 5]);
    expect(long.ids[0]).toBe(sotToken);
    expect(long.ids[4]).toBe(eotToken);
    expect(Array.from(long.ids.subarray(1, 4))).toEqual(tok().encode("one two three"));
    expect(tok().tokenize([], 77).ids.length).toBe(0);
    expect(() => tok().tokenize("x", 1)).toThrow(RangeError);
  });

  it("maps literal special-token strings to the special ids", () => {
    expect(tok().encode("<START_OF_TEXT> x <end_of_text>")).toEqual([sotToken, 343, eotToken]);
  });

  it("decodes what it encodes, up to cleaning and word spacing", () => {
    const caption = "Hello,   WORLD — naïve café 🐱";
    expect(tok().decode(tok().encode(caption))).toBe("hello , world — naïve café 🐱 ");
    expect(() => tok().decode([49408])).toThrow(RangeError);
    expect(tok().decode(Int32Array.from([320, 2368]))).toBe("a cat ");
  });
});

describe("text cleaning (ftfy.fix_text + html.unescape)", () => {
  // Expected values from ftfy 6.3.1 and CPython 3.11's html module.
  it.each([
    ["mojibake: CafÃ© naÃ¯ve", "mojibake: Café naïve"],
    ["voilÃ le travail", "voilà le travail"],
    ["The Mona Lisa doesnâ€™t have eyebrows.", "The Mona Lisa doesn't have eyebrows."],
    ["Ð¿Ñ€Ð¸Ð²ÐµÑ‚", "привет"],
    ["â€œ like this â€\ufffd", '" like this \ufffd'],
    ["\x93quoted\x94", '"quoted"'],
    ["café", "café"],
    ["&EACUTE;t&eacute; &SZLIG; &NTILDE; &nTILDE;", "Été SS Ñ &nTILDE;"],
    ["l1 &amp;\nl2 <b> &amp;\nl3 &amp;", "l1 &\nl2 <b> &amp;\nl3 &amp;"],
    ["\ufb02u\ufb03e\ufb06", "fluffiest"],
    ["ＬＯＵＤ　ＮＯＩＳＥＳ", "LOUD NOISES"],
    ["\x1b[36;44mblue\x1b[0m", "blue"],
    ["He said \u201chi\u201d \u2018ok\u2019", "He said \"hi\" 'ok'"],
    ["e\u0301", "\u00e9"],
    ["a\r\nb\rc\u2028d", "a\nb\nc\nd"],
    ["\ufeffbom\x00", "bom"],
  ])("fixText(%j)", (input, expected) => {
    expect(fixText(input)).toBe(expected);
  });

  it("unescapes HTML like Python's html.unescape", () => {
    expect(htmlUnescape("&notit; &ampx &#x80; &#0; &#xD800; &#1; &#x110000; &hellip &copy2 &#65 &#X41;")).toBe(
      "\u00acit; &x \u20ac \ufffd \ufffd  \ufffd &hellip \u00a92 A A",
    );
    expect(htmlUnescape("&amp;amp;amp;")).toBe("&amp;amp;");
  });

  it("collapses Python whitespace and lowercases", () => {
    expect(cleanText("  A\u00a0B\tC\u3000D\x1cE\u200bF  ")).toBe("a b c de\u200bf");
    expect(cleanText("&amp;amp;amp;amp; x")).toBe("& x");
  });
});
