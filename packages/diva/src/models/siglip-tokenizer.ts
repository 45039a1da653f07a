import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { SentencePieceTokenizer } from "@diva/nn";
import { SIGLIP_TOKENIZER_HELP } from "../eval/loaded-clip.js";

/** Where to look for SigLIP's `tokenizer.json`. */
export interface SiglipTokenizerSearch {
  /** An explicit `tokenizer.json`. */
  readonly tokenizer?: string;
  /** The CLIP checkpoint: its folder is searched for `tokenizer.json`. */
  readonly clip?: string;
}

const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);

/**
 * Loads SigLIP's SentencePiece tokenizer: the explicit `tokenizer.json`, else `tokenizer.json` beside the
 * checkpoint. Without one the error says which file is needed and how to pass it.
 */
export async function findSiglipTokenizer(search: SiglipTokenizerSearch): Promise<{
  /** The loaded tokenizer. */
  tokenizer: SentencePieceTokenizer;
  /** The file it was loaded from. */
  path: string;
}> {
  if (search.tokenizer) return { tokenizer: await SentencePieceTokenizer.fromFile(search.tokenizer), path: search.tokenizer };
  const beside = search.clip ? join(dirname(search.clip), "tokenizer.json") : undefined;
  if (beside && (await isFile(beside))) return { tokenizer: await SentencePieceTokenizer.fromFile(beside), path: beside };
  throw new Error(`tokenizer: SigLIP text needs its SentencePiece tokenizer${beside ? ` (no ${beside})` : ""}; give ${SIGLIP_TOKENIZER_HELP}`);
}
