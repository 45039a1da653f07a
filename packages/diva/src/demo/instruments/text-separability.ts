/**
 * Instrument check 1, text separability: per pattern, the mean cosine between the CLIP text embeddings of a
 * benchmark pair's two statements, as `evalMMVP` measures it (`statementSimilarity`). DIVA trains the image tower
 * only, so a pattern whose statements the frozen text tower cannot tell apart cannot improve whatever DIVA does.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClipForEval } from "../../eval/clip-model.js";
import { evalMMVP } from "../../eval/mmvp.js";
import { generateMmvpBenchmark, type Seed } from "../world/index.js";

/** The issue's bar: a pattern passes when its statements' mean cosine is below this. */
export const TEXT_SEPARABILITY_THRESHOLD = 0.9;

/** One pattern's line. */
export interface PatternSeparability {
  readonly pattern: string;
  /** Mean cosine between a pair's two statement embeddings. */
  readonly cosine: number;
  readonly pass: boolean;
}

/** Result of the text separability check. */
export interface TextSeparabilityResult {
  readonly threshold: number;
  readonly patterns: readonly PatternSeparability[];
  readonly pass: boolean;
}

/** The verdict from `evalMMVP`'s `statementSimilarity` (pattern -> mean cosine), in the record's order. */
export function textSeparability(statementSimilarity: Readonly<Record<string, number>>, threshold = TEXT_SEPARABILITY_THRESHOLD): TextSeparabilityResult {
  const patterns = Object.keys(statementSimilarity).map((pattern) => {
    const cosine = statementSimilarity[pattern]!;
    if (!Number.isFinite(cosine)) throw new Error(`text separability: the statement similarity of "${pattern}" is ${cosine}`);
    return { pattern, cosine, pass: cosine < threshold };
  });
  if (patterns.length === 0) throw new Error("text separability: no patterns to check");
  return { threshold, patterns, pass: patterns.every((p) => p.pass) };
}

/** Options of `checkTextSeparability`. */
export interface TextSeparabilityOptions {
  /** Seed of the benchmark whose statements are compared. */
  readonly worldSeed: Seed;
  /** Pairs per pattern (default: the world's benchmark size). */
  readonly pairsPerPattern?: number;
  readonly threshold?: number;
}

/** Writes the world's benchmark for `worldSeed` into a temporary folder, scores it with `evalMMVP` and checks its statements. */
export async function checkTextSeparability(clip: ClipForEval, options: TextSeparabilityOptions): Promise<TextSeparabilityResult> {
  const dir = await mkdtemp(join(tmpdir(), "diva-instruments-"));
  try {
    await generateMmvpBenchmark(dir, { seed: options.worldSeed, size: clip.imageSize, pairsPerPattern: options.pairsPerPattern });
    const result = await evalMMVP(clip, dir);
    return textSeparability(result.statementSimilarity, options.threshold);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
