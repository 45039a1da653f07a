/**
 * Parsing of CLIP's `bpe_simple_vocab_16e6.txt` into merge ranks and the token vocabulary.
 */

import { BYTE_CHARS_IN_VOCAB_ORDER } from "./byte-map.js";
import { END_OF_WORD, pairKey } from "./bpe.js";

/** CLIP's special tokens, appended after the merges (ids 49406 and 49407). */
export const SPECIAL_TOKENS = ["<start_of_text>", "<end_of_text>"] as const;

/** Number of merges CLIP uses: lines 1..48894 of the file (49152 - 256 - 2). */
export const MERGE_COUNT = 49152 - 256 - 2;

/** Merge ranks plus the token <-> id tables. */
export interface ClipVocab {
  /** pairKey(first, second) -> merge rank (0 = merged first). */
  readonly ranks: ReadonlyMap<string, number>;
  /** token string -> id. */
  readonly encoder: ReadonlyMap<string, number>;
  /** id -> token string (undefined where Python's decoder would have no entry). */
  readonly decoder: readonly (string | undefined)[];
}

/** Builds merge ranks and the vocabulary from the decompressed vocab file text. */
export function parseVocab(mergesText: string): ClipVocab {
  const lines = mergesText.split("\n").slice(1, 1 + MERGE_COUNT);
  if (lines.length < MERGE_COUNT) {
    throw new Error(`CLIP BPE file has ${lines.length} merge lines, expected at least ${MERGE_COUNT}`);
  }
  const ranks = new Map<string, number>();
  const tokens: string[] = [...BYTE_CHARS_IN_VOCAB_ORDER, ...BYTE_CHARS_IN_VOCAB_ORDER.map((c) => c + END_OF_WORD)];
  lines.forEach((line, rank) => {
    const parts = line.split(" ");
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new Error(`CLIP BPE file: malformed merge on line ${rank + 1}: ${JSON.stringify(line)}`);
    }
    ranks.set(pairKey(parts[0], parts[1]), rank);
    tokens.push(parts[0] + parts[1]);
  });
  tokens.push(...SPECIAL_TOKENS);

  const encoder = new Map<string, number>();
  tokens.forEach((token, id) => encoder.set(token, id));
  const decoder: (string | undefined)[] = new Array<string | undefined>(tokens.length).fill(undefined);
  for (const [token, id] of encoder) decoder[id] = token;
  return { ranks, encoder, decoder };
}
