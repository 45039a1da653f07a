/**
 * SigLIP's text tokenizer: a Hugging Face `tokenizer.json` (SentencePiece Unigram, e.g. the one of
 * timm/ViT-B-16-SigLIP that open_clip uses for every SigLIP model) run by `@huggingface/tokenizers`, with
 * open_clip's `HFTokenizer` around it: the text is cleaned ("canonicalize" for SigLIP), encoded with the
 * tokenizer's special tokens (SigLIP appends `</s>`), truncated to the context length keeping those special
 * tokens, and right-padded with the pad token.
 */

import { Tokenizer } from "@huggingface/tokenizers";
import { basicClean, collapseWhitespace } from "./tokenizer/clean.js";
import type { TokenizedBatch } from "./tokenizer.js";

/**
 * Text cleaning before tokenization, as open_clip's `get_clean_fn`:
 * - `canonicalize` (SigLIP): basic clean, `_` to space, ASCII punctuation removed, lowercase, whitespace collapsed;
 * - `lower`: basic clean, whitespace collapsed, lowercase;
 * - `whitespace`: basic clean, whitespace collapsed.
 */
export type TextCleaning = "canonicalize" | "lower" | "whitespace";

/** Options of {@link SentencePieceTokenizer}. */
export interface SentencePieceTokenizerOptions {
  /** Text cleaning (default `canonicalize`, as open_clip's SigLIP configs). */
  readonly clean?: TextCleaning;
  /**
   * The padding token. Default: `pad_token` of the `tokenizer_config` (or of `tokenizer.json`'s `padding`), else
   * `</s>`: SigLIP pads with id 1 (`</s>`), as big_vision (`pad_value=1`) and open_clip do.
   */
  readonly padToken?: string;
  /** The `tokenizer_config.json` object, when there is one (`fromFile` reads the one beside `tokenizer.json`). */
  readonly tokenizerConfig?: Readonly<Record<string, unknown>>;
}

/** Python's `string.punctuation`. */
const ASCII_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/** open_clip's `canonicalize_text` (big_vision's prompt-engineering cleaning), after `basic_clean`. */
export function canonicalizeText(text: string): string {
  return collapseWhitespace(basicClean(text).replaceAll("_", " ").replace(ASCII_PUNCTUATION, "").toLowerCase());
}

function cleaner(kind: TextCleaning): (text: string) => string {
  switch (kind) {
    case "canonicalize":
      return canonicalizeText;
    case "lower":
      return (t) => collapseWhitespace(basicClean(t)).toLowerCase();
    case "whitespace":
      return (t) => collapseWhitespace(basicClean(t));
  }
}

/** Largest `tokenizer.json` read (SigLIP's is about 2.4 MB; multilingual ones about 30 MB). */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A token name from a config field: a string or an AddedToken object `{ content }`. */
function tokenName(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (isRecord(v) && typeof v.content === "string") return v.content;
  return undefined;
}

/** A SentencePiece (or any Hugging Face `tokenizer.json`) tokenizer with open_clip's HFTokenizer semantics. */
export class SentencePieceTokenizer {
  /** Which tokenizer family this is (CLIP's BPE tokenizer is the other). */
  readonly kind = "sentencepiece" as const;
  /** Id rows are padded with. */
  readonly padId: number;
  /** Text cleaning applied before encoding. */
  readonly clean: TextCleaning;
  /** Where it was loaded from (for messages). */
  readonly source: string;

  private readonly tokenizer: Tokenizer;
  private readonly cleanFn: (text: string) => string;

  private constructor(tokenizer: Tokenizer, padId: number, clean: TextCleaning, source: string) {
    this.tokenizer = tokenizer;
    this.padId = padId;
    this.clean = clean;
    this.cleanFn = cleaner(clean);
    this.source = source;
  }

  /**
   * Loads `tokenizer.json` (and `tokenizer_config.json` beside it, if present) from disk (Node only).
   *
   * @example
   * ```ts
   * const tok = await SentencePieceTokenizer.fromFile("ViT-B-16-SigLIP/tokenizer.json");
   * const { ids, shape } = tok.tokenize(["a photo of a cat"], 64);
   * ```
   */
  static async fromFile(path: string, options: SentencePieceTokenizerOptions = {}): Promise<SentencePieceTokenizer> {
    const [{ readFile, stat }, { dirname, join }] = await Promise.all([import("node:fs/promises"), import("node:path")]);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new Error(`tokenizer: ${path} does not exist or is not a file (expected a Hugging Face tokenizer.json)`);
    if (info.size > MAX_FILE_BYTES) throw new Error(`tokenizer: ${path} is ${info.size} bytes, more than the ${MAX_FILE_BYTES} a tokenizer.json may have`);
    const json = parseJson(await readFile(path, "utf8"), path);
    let tokenizerConfig = options.tokenizerConfig;
    if (!tokenizerConfig) {
      const configPath = join(dirname(path), "tokenizer_config.json");
      const text = await readFile(configPath, "utf8").catch(() => undefined);
      if (text !== undefined && text.length <= MAX_FILE_BYTES) {
        const parsed = parseJson(text, configPath);
        if (isRecord(parsed)) tokenizerConfig = parsed;
      }
    }
    return SentencePieceTokenizer.fromJson(json, { ...options, ...(tokenizerConfig ? { tokenizerConfig } : {}) }, path);
  }

  /** Builds the tokenizer from a parsed `tokenizer.json` object (any runtime). */
  static fromJson(json: unknown, options: SentencePieceTokenizerOptions = {}, source = "tokenizer.json"): SentencePieceTokenizer {
    if (!isRecord(json) || !isRecord(json.model) || typeof json.model.type !== "string") {
      throw new Error(`tokenizer: ${source} is not a Hugging Face tokenizer.json (no "model" object with a "type")`);
    }
    const config = options.tokenizerConfig ?? {};
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(json, config);
    } catch (e) {
      throw new Error(`tokenizer: ${source}: cannot build the ${json.model.type} tokenizer (${(e as Error).message})`);
    }
    const padding = isRecord(json.padding) ? json.padding : undefined;
    const padToken = options.padToken ?? tokenName(config.pad_token) ?? tokenName(padding?.pad_token) ?? "</s>";
    const padId = tokenizer.token_to_id(padToken);
    if (padId === undefined) throw new Error(`tokenizer: ${source} has no pad token ${JSON.stringify(padToken)} (pass padToken)`);
    return new SentencePieceTokenizer(tokenizer, padId, options.clean ?? "canonicalize", source);
  }

  /** Cleans and encodes a text, without special tokens. */
  encode(text: string): number[] {
    return this.tokenizer.encode(this.cleanFn(text), { add_special_tokens: false }).ids;
  }

  /**
   * Tokenizes texts into `[n, contextLength]` rows, as open_clip's HFTokenizer (`padding="max_length",
   * truncation=True`): the special tokens the tokenizer adds are kept, the text's tokens are cut to fit, and the
   * row is right-padded with {@link padId}.
   */
  tokenize(texts: string | readonly string[], contextLength: number): TokenizedBatch {
    if (!Number.isInteger(contextLength) || contextLength < 1) {
      throw new RangeError(`SentencePieceTokenizer.tokenize: contextLength must be a positive integer, got ${contextLength}`);
    }
    const list = typeof texts === "string" ? [texts] : texts;
    const ids = new Int32Array(list.length * contextLength).fill(this.padId);
    list.forEach((text, row) => ids.set(this.fitted(this.cleanFn(text), contextLength), row * contextLength));
    return { ids, shape: [list.length, contextLength] };
  }

  /** Ids of one cleaned text with the tokenizer's special tokens, its own tokens truncated to fit `max`. */
  private fitted(text: string, max: number): number[] {
    const full = this.tokenizer.encode(text).ids;
    if (full.length <= max) return full;
    const plain = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    // the post-processor wraps the text's ids: find the prefix it added (the rest is the suffix)
    let start = 0;
    while (start + plain.length <= full.length && !plain.every((id: number, i: number) => full[start + i] === id)) start++;
    if (start + plain.length > full.length) throw new Error(`tokenizer: ${this.source}: the post-processor changes the text's ids; cannot truncate`);
    const prefix = full.slice(0, start);
    const suffix = full.slice(start + plain.length);
    const room = max - prefix.length - suffix.length;
    if (room < 0) throw new RangeError(`SentencePieceTokenizer.tokenize: contextLength ${max} is shorter than the ${prefix.length + suffix.length} special tokens`);
    return [...prefix, ...plain.slice(0, room), ...suffix];
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`tokenizer: ${path} is not valid JSON (${(e as Error).message})`);
  }
}
