import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ClipTokenizer } from "@diva/nn";

/** CLIP's BPE vocabulary file as open_clip ships it. */
export const BPE_VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz";

/** Where to look for CLIP's BPE vocabulary. */
export interface TokenizerSearch {
  /** An explicit vocabulary: open_clip's `bpe_simple_vocab_16e6.txt.gz` or a Hugging Face `merges.txt`. */
  readonly bpe?: string;
  /** The CLIP checkpoint: its folder is searched for `bpe_simple_vocab_16e6.txt.gz`. */
  readonly clip?: string;
  /** A diffusers Stable Diffusion folder: its `tokenizer/merges.txt` is used last. */
  readonly sd?: string;
}

const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);

/**
 * The candidate vocabulary files of a search, in the order they are tried.
 * @internal
 */
export function tokenizerCandidates(search: TokenizerSearch): string[] {
  if (search.bpe) return [search.bpe];
  const out: string[] = [];
  if (search.clip) out.push(join(dirname(search.clip), BPE_VOCAB_FILE));
  if (search.sd) out.push(join(search.sd, "tokenizer", "merges.txt"), join(search.sd, BPE_VOCAB_FILE));
  return out;
}

/**
 * Loads CLIP's BPE tokenizer (identical to open_clip's and, for SD's prompts, to the diffusers tokenizer):
 * the explicit `bpe` file, else `bpe_simple_vocab_16e6.txt.gz` beside the CLIP checkpoint, else the SD
 * folder's `tokenizer/merges.txt`, else the vocabulary shipped with @diva/nn (`ClipTokenizer.default()`).
 */
export async function findClipTokenizer(search: TokenizerSearch): Promise<{
  /** The loaded tokenizer. */
  tokenizer: ClipTokenizer;
  /** The vocabulary file it was loaded from. */
  path: string;
}> {
  const tried = tokenizerCandidates(search);
  for (const path of tried) {
    if (!(await isFile(path))) continue;
    try {
      const tokenizer = path.endsWith(".gz") ? await ClipTokenizer.fromFile(path) : await loadMergesText(path);
      return { tokenizer, path };
    } catch (e) {
      throw new Error(`tokenizer: ${path} is not a CLIP BPE vocabulary (${(e as Error).message})`);
    }
  }
  if (search.bpe) throw new Error(`tokenizer: the BPE vocabulary ${search.bpe} does not exist (leave --bpe out to use the one shipped with @diva/nn)`);
  // Every OpenAI / open_clip CLIP uses the same vocabulary, which ships inside @diva/nn.
  return { tokenizer: await ClipTokenizer.default(), path: await ClipTokenizer.defaultVocabPath() };
}

async function loadMergesText(path: string): Promise<ClipTokenizer> {
  const { readFile } = await import("node:fs/promises");
  return ClipTokenizer.fromText(await readFile(path, "utf8"));
}
