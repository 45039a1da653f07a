/**
 * Byte-pair encoding of one pre-tokenised word, as in CLIP's SimpleTokenizer.bpe: the last
 * symbol carries the end-of-word marker, and the lowest-ranked adjacent pair is merged
 * everywhere until no ranked pair is left.
 */

/** The end-of-word marker appended to a word's last symbol. */
export const END_OF_WORD = "</w>";

/** Key of a merge pair in the rank table (symbols never contain spaces). */
export function pairKey(first: string, second: string): string {
  return `${first} ${second}`;
}

/** Splits a word of byte characters into BPE symbols, using merge ranks keyed by pairKey. */
export function bpeWord(word: string, ranks: ReadonlyMap<string, number>): string[] {
  const chars = Array.from(word);
  if (chars.length === 0) return [];
  let symbols = [...chars.slice(0, -1), chars[chars.length - 1] + END_OF_WORD];
  while (symbols.length > 1) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const rank = ranks.get(pairKey(symbols[i]!, symbols[i + 1]!));
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = i;
      }
    }
    if (best < 0) break;
    const first = symbols[best]!;
    const second = symbols[best + 1]!;
    const merged: string[] = [];
    for (let i = 0; i < symbols.length; ) {
      if (symbols[i] === first && symbols[i + 1] === second && i + 1 < symbols.length) {
        merged.push(first + second);
        i += 2;
      } else {
        merged.push(symbols[i]!);
        i += 1;
      }
    }
    symbols = merged;
  }
  return symbols;
}
