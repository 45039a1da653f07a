/**
 * The Hugging Face CLIPTokenizer files (`vocab.json`, `merges.txt`) of CLIP's BPE, derived from open_clip's
 * `bpe_simple_vocab_16e6.txt` (the same merges; the vocabulary is the byte characters, the byte characters with
 * `</w>`, one token per merge, then the two special tokens).
 */
import { MERGE_COUNT, parseVocab } from "./vocab.js";

/** Hugging Face's names of the special tokens (open_clip calls them `<start_of_text>` / `<end_of_text>`). */
const HF_SPECIAL: Readonly<Record<string, string>> = { "<start_of_text>": "<|startoftext|>", "<end_of_text>": "<|endoftext|>" };

/** The texts of `vocab.json` (token -> id, ids 0..49407) and `merges.txt` (`#version: 0.2` and 48894 merges). */
export function hfClipTokenizerFiles(bpeText: string): {
  /** The text of `vocab.json`. */
  vocabJson: string;
  /** The text of `merges.txt`. */
  mergesTxt: string;
} {
  const vocab = parseVocab(bpeText);
  const merges = bpeText.split("\n").slice(1, 1 + MERGE_COUNT);
  // a prototype-less object: tokens such as "__proto__" stay plain keys
  const out = Object.create(null) as Record<string, number>;
  vocab.decoder.forEach((token, id) => {
    if (token !== undefined) out[HF_SPECIAL[token] ?? token] = id;
  });
  return { vocabJson: JSON.stringify(out), mergesTxt: `#version: 0.2\n${merges.join("\n")}\n` };
}
