import { tensor, type Tensor } from "@diva/tensor";

/**
 * The demo's word-level tokenizer over the synthetic world's vocabulary. Ids: 0 = padding, 1 = unknown word,
 * words from 2, then start- and end-of-text as the two largest ids (so open_clip's argmax pooling finds the
 * end-of-text token, as with the real CLIP vocabulary). The real BPE tokenizer lives in @diva/nn; the demo
 * uses this one so that its tiny CLIP has a tiny embedding table.
 */
export class WordTokenizer {
  /** Id of the start-of-text token. */
  readonly sot: number;
  /** Id of the end-of-text token (the largest id). */
  readonly eot: number;
  private readonly ids: Map<string, number>;

  /**
   * @param words The vocabulary (word i gets id i + 2).
   * @param contextLength Token sequence length (padded / truncated).
   */
  constructor(
    /** The vocabulary in id order. */
    readonly words: readonly string[],
    /** Token sequence length. */
    readonly contextLength: number,
  ) {
    this.ids = new Map(words.map((w, i) => [w, i + 2]));
    this.sot = words.length + 2;
    this.eot = words.length + 3;
  }

  /** Vocabulary size (the text tower's `vocab_size`). */
  get vocabSize(): number {
    return this.words.length + 4;
  }

  /** Builds a vocabulary from sample texts (sorted, so it does not depend on their order). */
  static fromTexts(texts: Iterable<string>, contextLength: number): WordTokenizer {
    const set = new Set<string>();
    for (const t of texts) for (const w of WordTokenizer.split(t)) set.add(w);
    return new WordTokenizer([...set].sort(), contextLength);
  }

  /** Lowercased words and punctuation marks. */
  static split(text: string): string[] {
    return text.toLowerCase().match(/[a-z0-9]+|[^\sa-z0-9]/g) ?? [];
  }

  /** Token ids with start/end markers, truncated (keeping end-of-text) and zero-padded. */
  encode(text: string): number[] {
    const body = WordTokenizer.split(text).map((w) => this.ids.get(w) ?? 1);
    const ids = [this.sot, ...body.slice(0, this.contextLength - 2), this.eot];
    while (ids.length < this.contextLength) ids.push(0);
    return ids;
  }

  /** [N, contextLength] int32 ids. */
  tokenize(texts: readonly string[]): Tensor {
    const data = new Int32Array(texts.length * this.contextLength);
    texts.forEach((t, i) => data.set(this.encode(t), i * this.contextLength));
    return tensor(data, { shape: [texts.length, this.contextLength] });
  }
}
