import type { ClipForEval } from "./clip-model.js";
import { evalMMVP, type MmvpResult } from "./mmvp.js";

/** Mean and spread of a score over seeds. */
export interface SeedSpread {
  /** Mean over the seeds. */
  readonly mean: number;
  /** Sample standard deviation (0 for one seed). */
  readonly std: number;
  /** Lowest score. */
  readonly min: number;
  /** Highest score. */
  readonly max: number;
}

/** Result of {@link evalMMVPSeeds}. */
export interface MmvpSeedsResult {
  /** One MMVP result per seed (a single one when the features are not random). */
  readonly runs: readonly {
    /** The feature seed. */
    readonly seed: number;
    /** MMVP-VLM under that seed. */
    readonly result: MmvpResult;
  }[];
  /** The benchmark score over the seeds. */
  readonly average: SeedSpread;
  /** Each pattern's score over the seeds. */
  readonly perPattern: Record<string, SeedSpread>;
}

/** Options of {@link evalMMVPSeeds}. */
export interface MmvpSeedsOptions {
  /** Number of seeds (0, 1, ... seeds - 1; default 5). */
  readonly seeds?: number;
  /** Images per forward pass. */
  readonly batchSize?: number;
  /** Called after each batch with the run index, pairs scored so far in it and the number of pairs. */
  onProgress?(run: number, done: number, total: number): void;
}

function spread(xs: readonly number[]): SeedSpread {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, std, min: Math.min(...xs), max: Math.max(...xs) };
}

/**
 * MMVP-VLM with the paper's features over several seeds: the OpenAI feature draws its patch tokens at random on
 * every call, so one run's score depends on the draw; this reports each seed's result and the mean and spread.
 * Features without randomness run once.
 */
export async function evalMMVPSeeds(clip: ClipForEval, benchmarkDir: string, options: MmvpSeedsOptions = {}): Promise<MmvpSeedsResult> {
  const seeds = options.seeds ?? 5;
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`evalMMVPSeeds: seeds must be a positive integer, got ${seeds}`);
  const random = clip.paperFeatures?.kind === "cls-random-patch-mean";
  const runs: { seed: number; result: MmvpResult }[] = [];
  for (let seed = 0; seed < (random ? seeds : 1); seed++) {
    const result = await evalMMVP(clip, benchmarkDir, {
      features: "paper",
      featureSeed: seed,
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      onProgress: (done, total) => options.onProgress?.(seed, done, total),
    });
    runs.push({ seed, result });
  }
  // keyed by the CSV's Type column: no prototype
  const perPattern: Record<string, SeedSpread> = Object.create(null);
  for (const t of Object.keys(runs[0]!.result.perPattern)) perPattern[t] = spread(runs.map((r) => r.result.perPattern[t]!));
  return { runs, average: spread(runs.map((r) => r.result.average)), perPattern };
}
