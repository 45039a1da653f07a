/**
 * CLIP's byte-level BPE tokenizer, token-for-token identical to open_clip's SimpleTokenizer
 * (and OpenAI CLIP's): ftfy-style cleaning, lowercasing, a regex pre-tokeniser, byte-level
 * BPE with 48,894 merges, and fixed-length rows of `[sot, ...tokens, eot, 0, 0, ...]`.
 */

import { CLIP_BPE_VOCAB_FILE, nnAssetPath } from "../assets.js";
import { bpeWord, END_OF_WORD } from "./tokenizer/bpe.js";
import { CHAR_TO_BYTE, toByteChars } from "./tokenizer/byte-map.js";
import { cleanText } from "./tokenizer/clean.js";
import { REGEX_MODULE_SPACE } from "./tokenizer/ftfy/pyregex.js";
import { parseVocab, SPECIAL_TOKENS, type ClipVocab } from "./tokenizer/vocab.js";

export { cleanText } from "./tokenizer/clean.js";
export { fixText } from "./tokenizer/ftfy/fix-text.js";
export { htmlUnescape } from "./tokenizer/html-unescape.js";

/** Id of `<start_of_text>` in CLIP's vocabulary. */
export const sotToken = 49406;

/** Id of `<end_of_text>` in CLIP's vocabulary. */
export const eotToken = 49407;

/** Context length of every CLIP text tower (OpenAI and open_clip). */
export const defaultContextLength = 77;

/** A batch of token rows: `ids` is row-major `[n, contextLength]`, zero padded. */
export interface TokenizedBatch {
  /** Token ids, row-major, `shape[0] * shape[1]` entries. */
  readonly ids: Int32Array;
  /** `[number of texts, context length]`. */
  readonly shape: [number, number];
}

/**
 * open_clip's pre-tokeniser: special tokens, contractions, letter runs, single digits and
 * runs of everything else, on lowercased text. Python compiles it with IGNORECASE, whose
 * only effects on lowercased text are that "'ſ" counts as the contraction "'s" and that
 * U+0345 (which case-folds to a letter but is a mark) matches no branch and is dropped.
 */
const WORD_RE = new RegExp(
  `${SPECIAL_TOKENS.join("|")}|'[s\\u017f]|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^${REGEX_MODULE_SPACE}\\p{L}\\p{N}\\u0345]+`,
  "gu",
);

const utf8Lenient = new TextDecoder("utf-8", { ignoreBOM: true });

let defaultTokenizer: Promise<ClipTokenizer> | undefined;

/** CLIP's BPE tokenizer; build it with `default()` (the shipped vocabulary, Node), `fromFile` (Node) or `fromText` (any runtime). */
export class ClipTokenizer {
  /** Id of `<start_of_text>`. */
  readonly sotToken: number;
  /** Id of `<end_of_text>`. */
  readonly eotToken: number;
  /** Number of tokens in the vocabulary (49408). */
  readonly vocabSize: number;

  private readonly vocab: ClipVocab;
  private readonly cache = new Map<string, readonly number[]>();

  private constructor(vocab: ClipVocab) {
    this.vocab = vocab;
    this.vocabSize = vocab.decoder.length;
    this.sotToken = this.idOf(SPECIAL_TOKENS[0]);
    this.eotToken = this.idOf(SPECIAL_TOKENS[1]);
    for (const token of SPECIAL_TOKENS) this.cache.set(token, [this.idOf(token)]);
  }

  /**
   * The tokenizer of OpenAI's and open_clip's CLIP models (and of Stable Diffusion 2's text encoder), from the
   * vocabulary shipped inside @diva/nn (`assets/bpe_simple_vocab_16e6.txt.gz`, OpenAI's, MIT-licensed, as
   * open_clip ships it): no file to download. Node only; loaded once per process.
   */
  static default(): Promise<ClipTokenizer> {
    defaultTokenizer ??= ClipTokenizer.defaultVocabPath().then((p) => ClipTokenizer.fromFile(p));
    // A failed load is not cached: the next call tries again.
    defaultTokenizer.catch(() => (defaultTokenizer = undefined));
    return defaultTokenizer;
  }

  /** Path of the vocabulary shipped inside @diva/nn (Node only). */
  static defaultVocabPath(): Promise<string> {
    return nnAssetPath(CLIP_BPE_VOCAB_FILE);
  }

  /** Loads the gzipped vocab file (`bpe_simple_vocab_16e6.txt.gz`) from disk (Node only). */
  static async fromFile(path: string): Promise<ClipTokenizer> {
    // Imported here so that the module itself stays loadable in browsers (use fromText there).
    const [{ readFile }, { gunzipSync }] = await Promise.all([import("node:fs/promises"), import("node:zlib")]);
    const compressed = await readFile(path).catch((e: NodeJS.ErrnoException) => {
      const why = e.code === "ENOENT" ? "does not exist" : `cannot be read (${e.message})`;
      throw new Error(`ClipTokenizer.fromFile: ${path} ${why}; OpenAI's CLIP vocabulary ships with @diva/nn: ClipTokenizer.default()`);
    });
    return ClipTokenizer.fromText(gunzipSync(compressed).toString("utf-8"));
  }

  /** Builds the tokenizer from the decompressed vocab file text (header line, then merges). */
  static fromText(mergesText: string): ClipTokenizer {
    return new ClipTokenizer(parseVocab(mergesText));
  }

  /** Cleans and BPE-encodes text, without start/end tokens or padding. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const match of cleanText(text).matchAll(WORD_RE)) {
      for (const id of this.encodeWord(toByteChars(match[0]))) ids.push(id);
    }
    return ids;
  }

  /**
   * Turns ids back into text: each end-of-word marker becomes a space, and invalid UTF-8
   * becomes U+FFFD. Special tokens are kept as their literal strings.
   */
  decode(ids: ArrayLike<number>): string {
    let chars = "";
    for (let i = 0; i < ids.length; i++) {
      const token = this.vocab.decoder[ids[i]!];
      if (token === undefined) throw new RangeError(`ClipTokenizer.decode: unknown token id ${ids[i]}`);
      chars += token;
    }
    const bytes = new Uint8Array(chars.length);
    for (let i = 0; i < chars.length; i++) {
      const byte = CHAR_TO_BYTE.get(chars[i]!);
      if (byte === undefined) throw new RangeError(`ClipTokenizer.decode: no byte for ${JSON.stringify(chars[i])}`);
      bytes[i] = byte;
    }
    return utf8Lenient.decode(bytes).replaceAll(END_OF_WORD, " ");
  }

  /**
   * Tokenizes one or more texts into `[n, contextLength]` rows of
   * `[sot, ...encode(text), eot]`, zero padded; rows that are too long are cut to
   * `contextLength` tokens with `eot` kept as the last one.
   */
  tokenize(texts: string | readonly string[], contextLength = defaultContextLength): TokenizedBatch {
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new RangeError(`ClipTokenizer.tokenize: contextLength must be an integer >= 2, got ${contextLength}`);
    }
    const list = typeof texts === "string" ? [texts] : texts;
    const ids = new Int32Array(list.length * contextLength);
    list.forEach((text, row) => {
      const tokens = [this.sotToken, ...this.encode(text), this.eotToken];
      if (tokens.length > contextLength) {
        tokens.length = contextLength;
        tokens[contextLength - 1] = this.eotToken;
      }
      ids.set(tokens, row * contextLength);
    });
    return { ids, shape: [list.length, contextLength] };
  }

  private idOf(token: string): number {
    const id = this.vocab.encoder.get(token);
    if (id === undefined) throw new Error(`ClipTokenizer: token ${JSON.stringify(token)} is not in the vocabulary`);
    return id;
  }

  private encodeWord(word: string): readonly number[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const ids = bpeWord(word, this.vocab.ranks).map((symbol) => this.idOf(symbol));
    this.cache.set(word, ids);
    return ids;
  }
}
