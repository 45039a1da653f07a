import { describe, expect, it } from "vitest";
import { bagOfWords } from "./clip-train.js";
import { WordTokenizer } from "./tokenizer.js";

describe("the CLIP text tower's bag-of-words targets", () => {
  it("mark each word a caption contains once, never padding, start or end, and unknown words not at all", async () => {
    const tok = WordTokenizer.fromTexts(["a red arrow pointing left", "a blue dot"], 12);
    const bag = bagOfWords(tok, ["a red arrow pointing left", "a a dot", "zebra", ""]);
    expect(bag.shape).toEqual([4, tok.vocabSize]);
    const d = await bag.data();
    const row = (b: number) => Array.from(d.subarray(b * tok.vocabSize, (b + 1) * tok.vocabSize));
    const ids = (words: string[]) => words.map((w) => tok.encode(w)[1]!);
    const expectRow = (b: number, words: string[]) => {
      const want = new Array(tok.vocabSize).fill(0);
      for (const id of ids(words)) want[id] = 1;
      expect(row(b)).toEqual(want);
    };
    expectRow(0, ["a", "red", "arrow", "pointing", "left"]);
    expectRow(1, ["a", "dot"]);
    expectRow(2, []); // "zebra" is unknown (id 1)
    expectRow(3, []);
  });
});
