import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalizeText, SentencePieceTokenizer } from "./sentencepiece-tokenizer.js";
import { tinySentencePieceJson } from "../../test/support/tiny-sentencepiece.js";

/** A small SigLIP-shaped tokenizer.json (see test/support/tiny-sentencepiece.ts) with "cats" and "dogs" pieces. */
const TOKENIZER_JSON = tinySentencePieceJson([
  ["\u2581a", -1],
  ["\u2581photo", -2],
  ["\u2581of", -2],
  ["\u2581", -3],
  ["\u2581cat", -2],
  ["s", -3],
  ["\u2581dog", -2],
  ["\u2581cats", -9],
  ["\u2581dogs", -3],
]);

describe("SentencePieceTokenizer", () => {
  const tok = SentencePieceTokenizer.fromJson(TOKENIZER_JSON);

  it("cleans like open_clip's canonicalize: punctuation out, _ to space, lowercase, whitespace collapsed", () => {
    expect(canonicalizeText("  A Photo_of  a CAT's   toy!? ")).toBe("a photo of a cats toy");
    expect(canonicalizeText("x &amp;amp; y")).toBe("x y");
  });

  it("segments with the Unigram scores and appends </s>, padding with </s> (id 1) as SigLIP", () => {
    // "▁cats" scores -9, "▁cat" + "s" -5: Viterbi picks the pair; "▁dogs" (-3) beats "▁dog" + "s" (-5)
    const { ids, shape } = tok.tokenize(["A photo of cats.", "a DOGS"], 8);
    expect(shape).toEqual([2, 8]);
    expect([...ids]).toEqual([3, 4, 5, 7, 8, 1, 1, 1, 3, 11, 1, 1, 1, 1, 1, 1]);
    expect(tok.padId).toBe(1);
  });

  it("truncates the text's tokens and keeps </s> last, as HF truncation=True", () => {
    const { ids } = tok.tokenize("a photo of a dog of a cat", 4);
    expect([...ids]).toEqual([3, 4, 5, 1]);
  });

  it("takes the pad token from tokenizer_config.json beside the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sp-"));
    await writeFile(join(dir, "tokenizer.json"), JSON.stringify(TOKENIZER_JSON));
    await writeFile(join(dir, "tokenizer_config.json"), JSON.stringify({ pad_token: { content: "<pad>" } }));
    const t = await SentencePieceTokenizer.fromFile(join(dir, "tokenizer.json"));
    expect([...t.tokenize("a dog", 4).ids]).toEqual([3, 9, 1, 0]);
  });

  it("names the file and the problem on bad input", async () => {
    expect(() => SentencePieceTokenizer.fromJson({ vocab: [] }, {}, "x/tokenizer.json")).toThrow(/x\/tokenizer\.json is not a Hugging Face tokenizer\.json/);
    expect(() => SentencePieceTokenizer.fromJson(TOKENIZER_JSON, { padToken: "<nope>" })).toThrow(/no pad token "<nope>"/);
    await expect(SentencePieceTokenizer.fromFile(join(tmpdir(), "missing-tokenizer.json"))).rejects.toThrow(/missing-tokenizer\.json does not exist/);
    const dir = await mkdtemp(join(tmpdir(), "sp-"));
    await writeFile(join(dir, "tokenizer.json"), "{ not json");
    await expect(SentencePieceTokenizer.fromFile(join(dir, "tokenizer.json"))).rejects.toThrow(/is not valid JSON/);
    expect(() => tok.tokenize("a", 0)).toThrow(/contextLength must be a positive integer/);
  });
});
