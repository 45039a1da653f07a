/**
 * The synthetic MMVP-VLM benchmark: 9 patterns x 15 pairs, ids 1..270 (pair = odd id and the next even
 * id), in the real file layout: `Questions.csv` (`Question ID,Type,Statement`) and
 * `MLLM_VLM Images/<Type>/<id>.png`. Pair k of pattern p is a pure function of (seed, p, k).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { toCsv } from "./csv.js";
import { buildPair, type ScenePair } from "./pairs.js";
import { MMVP_PATTERN_NAMES, PAIRS_PER_PATTERN, type MmvpPatternName } from "./patterns.js";
import { writePng } from "./png.js";
import { DEFAULT_IMAGE_SIZE, renderScene } from "./render.js";
import { createRng, type Seed } from "./rng.js";
import type { Scene } from "./scene.js";

/** The benchmark's default seed (fixed before any model was trained). */
const DEFAULT_BENCHMARK_SEED = 2024;
/** Name of the statements file. */
export const QUESTIONS_FILE = "Questions.csv";
/** Name of the images folder. */
export const IMAGES_FOLDER = "MLLM_VLM Images";

/** One benchmark question: an image and its statement. */
interface SyntheticMmvpItem {
  /** Question id, 1..270. */
  readonly id: number;
  /** Pattern (the CSV `Type`). */
  readonly type: MmvpPatternName;
  /** The statement describing this image (without the "a photo of " prefix). */
  readonly statement: string;
  /** The scene the image renders. */
  readonly scene: Scene;
  /** Image path relative to the benchmark root, `MLLM_VLM Images/<Type>/<id>.png`. */
  readonly imagePath: string;
}

/** One pair: two items differing in one attribute. */
interface SyntheticMmvpPair {
  /** Pattern of the pair. */
  readonly type: MmvpPatternName;
  /** The odd-id item and the even-id item. */
  readonly items: readonly [SyntheticMmvpItem, SyntheticMmvpItem];
  /** Scene paths that differ between the two (as `diffScenes` reports them). */
  readonly changed: readonly string[];
}

/** The whole benchmark in memory. */
export interface SyntheticMmvp {
  /** The seed it was built from. */
  readonly seed: Seed;
  /** Pairs in id order. */
  readonly pairs: readonly SyntheticMmvpPair[];
  /** Items in id order. */
  readonly items: readonly SyntheticMmvpItem[];
}

/**
 * Chooses a pattern's pairs from its candidates (as MMVP chose its pairs with CLIP and DINOv2): returns the
 * indices of the chosen candidates, exactly `count` distinct ones; they keep their candidate order.
 */
export type PairSelector = (type: MmvpPatternName, candidates: readonly ScenePair[], count: number) => readonly number[] | Promise<readonly number[]>;

/** Options of the benchmark. */
interface BenchmarkOptions {
  /** Seed (default `DEFAULT_BENCHMARK_SEED`). */
  readonly seed?: Seed;
  /** Pairs per pattern (default 15). */
  readonly pairsPerPattern?: number;
  /**
   * Candidates drawn per pattern when a selector is given (default 4 x pairsPerPattern). Candidate k of pattern p
   * is a pure function of (seed, p, k), so without a selector the benchmark is the first `pairsPerPattern`.
   */
  readonly candidatesPerPattern?: number;
  /** Picks each pattern's pairs from its candidates (default: the first `pairsPerPattern`). */
  readonly select?: PairSelector;
}

/** Options of `generateMmvpBenchmark`. */
interface GenerateBenchmarkOptions extends BenchmarkOptions {
  /** Image side in pixels (default 32). */
  readonly size?: number;
  /** Antialiasing supersamples per pixel side (default 4). */
  readonly samples?: number;
}

/** Checks a selector's answer: `count` distinct integer indices into `n` candidates. */
function checkSelection(type: string, chosen: readonly number[], n: number, count: number): readonly number[] {
  const seen = new Set<number>();
  for (const i of chosen) {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`benchmark: the pair selector returned index ${i} for "${type}", outside 0..${n - 1}`);
    if (seen.has(i)) throw new RangeError(`benchmark: the pair selector returned index ${i} twice for "${type}"`);
    seen.add(i);
  }
  if (seen.size !== count) throw new RangeError(`benchmark: the pair selector returned ${seen.size} pairs for "${type}", expected ${count}`);
  return [...seen].sort((a, b) => a - b);
}

/** The candidate pairs of a pattern (candidate k is a pure function of (seed, pattern, k)). */
export function candidatePairs(type: MmvpPatternName, seed: Seed, count: number): ScenePair[] {
  return Array.from({ length: count }, (_, k) => buildPair(type, createRng(seed, "mmvp", type, k)));
}

/** Builds the benchmark's scenes and statements (no rendering, no files), choosing pairs with `select` if given. */
export async function selectMmvpBenchmark(options: BenchmarkOptions = {}): Promise<SyntheticMmvp> {
  const perPattern = options.pairsPerPattern ?? PAIRS_PER_PATTERN;
  if (!options.select) return buildMmvpBenchmark(options);
  const n = options.candidatesPerPattern ?? 4 * perPattern;
  if (!Number.isInteger(n) || n < perPattern) throw new RangeError(`benchmark: candidatesPerPattern must be an integer of at least pairsPerPattern (${perPattern}), got ${n}`);
  const seed = options.seed ?? DEFAULT_BENCHMARK_SEED;
  const chosen: ScenePair[][] = [];
  for (const type of MMVP_PATTERN_NAMES) {
    const candidates = candidatePairs(type, seed, n);
    const picked = checkSelection(type, await options.select(type, candidates, perPattern), n, perPattern);
    chosen.push(picked.map((i) => candidates[i]!));
  }
  return assemble(seed, perPattern, (p, k) => chosen[p]![k]!);
}

/** Builds the benchmark's scenes and statements (no rendering, no files): the first pairs of each pattern. */
export function buildMmvpBenchmark(options: BenchmarkOptions = {}): SyntheticMmvp {
  if (options.select) throw new Error("benchmark: a pair selector needs selectMmvpBenchmark (it may be asynchronous)");
  const seed = options.seed ?? DEFAULT_BENCHMARK_SEED;
  const perPattern = options.pairsPerPattern ?? PAIRS_PER_PATTERN;
  const pairs = MMVP_PATTERN_NAMES.map((type) => candidatePairs(type, seed, perPattern));
  return assemble(seed, perPattern, (p, k) => pairs[p]![k]!);
}

/** Numbers the pairs: pair k of pattern p gets ids p * 2 * perPattern + 2k + 1 and the next. */
function assemble(seed: Seed, perPattern: number, pairAt: (p: number, k: number) => ScenePair): SyntheticMmvp {
  const pairs: SyntheticMmvpPair[] = [];
  MMVP_PATTERN_NAMES.forEach((type, p) => {
    for (let k = 0; k < perPattern; k++) {
      const pair = pairAt(p, k);
      const firstId = p * 2 * perPattern + 2 * k + 1;
      const item = (j: 0 | 1): SyntheticMmvpItem => ({
        id: firstId + j, type, statement: pair.statements[j], scene: pair.scenes[j],
        imagePath: `${IMAGES_FOLDER}/${type}/${firstId + j}.png`,
      });
      pairs.push({ type, items: [item(0), item(1)], changed: pair.changed });
    }
  });
  return { seed, pairs, items: pairs.flatMap((p) => p.items) };
}

/**
 * Writes the benchmark under `outDir` (Questions.csv and one PNG per item) and returns it.
 * Same options give byte-identical files.
 */
export async function generateMmvpBenchmark(outDir: string, options: GenerateBenchmarkOptions = {}): Promise<SyntheticMmvp> {
  const bench = await selectMmvpBenchmark(options);
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  await mkdir(outDir, { recursive: true });
  await writeFile(
    join(outDir, QUESTIONS_FILE),
    toCsv(["Question ID", "Type", "Statement"], bench.items.map((it) => [it.id, it.type, it.statement])),
  );
  for (const it of bench.items) {
    await writePng(join(outDir, it.imagePath), renderScene(it.scene, { size, samples: options.samples }));
  }
  return bench;
}
