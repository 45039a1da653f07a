/**
 * The CLIP tokenizer as a parity runner: a fixture with `input_ids` [N, context], `lengths` and
 * `untruncated_lengths`, the texts in `__metadata__.strings` and the vocabulary named by
 * `config.bpe_file_copy` (looked up as $DIVA_BPE, beside the fixture, or in ../data next to it). Exact match.
 */
import { divaEnv, fromHost, type Tensor } from "@diva/tensor";
import { ClipTokenizer } from "../clip/tokenizer.js";
import type { Fixture } from "./fixture.js";
import type { ParityRunner } from "./runner.js";

async function vocabPath(f: Fixture): Promise<string> {
  const { existsSync } = await import("node:fs");
  const { basename, dirname, join } = await import("node:path");
  const file = basename(String(f.config.bpe_file_copy ?? "bpe_simple_vocab_16e6.txt.gz"));
  const here = f.source ? dirname(f.source) : ".";
  const candidates = [divaEnv("DIVA_BPE"), join(here, file), join(here, "..", "data", file)].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`parity: the BPE vocabulary ${file} was not found (looked at ${candidates.join(", ")}; set DIVA_BPE)`);
  return found;
}

function strings(f: Fixture): string[] {
  const raw = f.metadata.strings;
  const list: unknown = raw ? JSON.parse(raw) : undefined;
  if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) throw new Error("parity: tokenizer fixture without a JSON list __metadata__.strings");
  return list as string[];
}

/** Tokenizer fixtures (`clip_tokenizer`). */
export const tokenizerParityRunner: ParityRunner = {
  name: "clip-tokenizer",
  matches: (f) => "input_ids" in f.weights && typeof f.metadata.strings === "string" && "context_length" in f.config,
  tolerance: () => 0,
  referenceNames: (f) => ["input_ids", "lengths", "untruncated_lengths"].filter((n) => n in f.weights),
  async run(f, wanted) {
    const tok = await ClipTokenizer.fromFile(await vocabPath(f));
    const texts = strings(f);
    const ctx = Number(f.config.context_length ?? 77);
    const batch = tok.tokenize(texts, ctx);
    const full = texts.map((t) => tok.encode(t).length + 2);
    const out: Record<string, Tensor> = {
      input_ids: fromHost(batch.ids, "int32", batch.shape),
      lengths: fromHost(Int32Array.from(full.map((n) => Math.min(n, ctx))), "int32", [texts.length]),
      untruncated_lengths: fromHost(Int32Array.from(full), "int32", [texts.length]),
    };
    for (const n of Object.keys(out)) if (!wanted.includes(n)) out[n]!.dispose();
    return Object.fromEntries(Object.entries(out).filter(([n]) => wanted.includes(n)));
  },
};
