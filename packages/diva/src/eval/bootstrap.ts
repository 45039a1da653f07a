/**
 * Paired bootstrap confidence intervals for a difference between two arms (for example DIVA and the placebo)
 * measured on the same items (benchmark pairs, held-out images) under the same seeds.
 */

/** Options of {@link pairedBootstrap}. */
interface PairedBootstrapOptions {
  /** Seed of the resampling (the interval is a pure function of the data and this seed). */
  readonly seed: number;
  /** Bootstrap replicates (default 2000; at most 1e6). */
  readonly resamples?: number;
  /** Coverage of the interval (default 0.95). */
  readonly level?: number;
  /**
   * Stratum of every item (same length as a row). Items are resampled within their stratum and the statistic is
   * the mean of the strata's means, as MMVP-VLM averages its patterns. Default: one stratum.
   */
  readonly strata?: readonly (string | number)[];
}

/** A point estimate with its percentile interval. */
export interface BootstrapInterval {
  /** The statistic on the data as measured. */
  readonly estimate: number;
  /** Lower end of the interval. */
  readonly low: number;
  /** Upper end of the interval. */
  readonly high: number;
  /** Coverage, e.g. 0.95. */
  readonly level: number;
  /** Replicates drawn. */
  readonly resamples: number;
  /** Whether seeds were resampled too (more than one seed). */
  readonly seedsResampled: boolean;
}

/** A small seeded generator (mulberry32): uniform integers in [0, n). */
function generator(seed: number): (n: number) => number {
  let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** The q-quantile of sorted values with linear interpolation (R's type 7, numpy's default). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error("quantile of no values");
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function checkRows(name: string, rows: readonly (readonly number[])[], items: number): void {
  rows.forEach((row, s) => {
    if (row.length !== items) throw new Error(`pairedBootstrap: ${name}[${s}] has ${row.length} items, expected ${items}`);
    row.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new Error(`pairedBootstrap: ${name}[${s}][${i}] is ${v}, not a finite number`);
    });
  });
}

/**
 * The paired bootstrap of `mean over seeds s of (stat(a[s]) - stat(b[s]))`, where `stat` is the mean of the
 * strata's item means. Each replicate draws the seeds with replacement (when there are several) and the items
 * with replacement within each stratum, the same items for every seed and for both arms (the pairing), and
 * recomputes the statistic; the interval is the replicates' percentile interval. Seeded, so deterministic.
 *
 * @param a per seed, arm A's value for every item (e.g. 1 when DIVA solved MMVP pair i, else 0).
 * @param b per seed, arm B's values for the same items, or null for the interval of A's statistic alone.
 *
 * @example
 * ```ts
 * const ci = pairedBootstrap([divaSolved], [placeboSolved], { seed: 0, strata: patternOfPair });
 * // ci.estimate, ci.low, ci.high: DIVA minus placebo, as a fraction of pairs
 * ```
 */
export function pairedBootstrap(a: readonly (readonly number[])[], b: readonly (readonly number[])[] | null, options: PairedBootstrapOptions): BootstrapInterval {
  const S = a.length;
  if (S === 0) throw new Error("pairedBootstrap: no seeds");
  const N = a[0]!.length;
  if (N === 0) throw new Error("pairedBootstrap: no items");
  checkRows("a", a, N);
  if (b) {
    if (b.length !== S) throw new Error(`pairedBootstrap: a has ${S} seeds but b has ${b.length}`);
    checkRows("b", b, N);
  }
  const resamples = options.resamples ?? 2000;
  if (!Number.isInteger(resamples) || resamples < 1 || resamples > 1e6) throw new Error(`pairedBootstrap: resamples must be an integer in [1, 1e6], got ${resamples}`);
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new Error(`pairedBootstrap: level must be in (0, 1), got ${level}`);
  if (!Number.isFinite(options.seed)) throw new Error(`pairedBootstrap: seed must be a finite number, got ${options.seed}`);
  if (options.strata && options.strata.length !== N) throw new Error(`pairedBootstrap: ${options.strata.length} strata labels for ${N} items`);
  // items of each stratum, in first-appearance order
  const groups = new Map<string | number, number[]>();
  (options.strata ?? new Array<number>(N).fill(0)).forEach((g, i) => {
    const list = groups.get(g);
    if (list) list.push(i);
    else groups.set(g, [i]);
  });
  const strata = [...groups.values()];
  // per seed, the per-item difference (the statistic is linear in the items, so only differences matter)
  const d = a.map((row, s) => row.map((v, i) => v - (b ? b[s]![i]! : 0)));
  const statistic = (seedIdx: readonly number[], items: readonly (readonly number[])[]): number => {
    let total = 0;
    for (const s of seedIdx) {
      let perSeed = 0;
      for (const list of items) {
        let sum = 0;
        for (const i of list) sum += d[s]![i]!;
        perSeed += sum / list.length;
      }
      total += perSeed / items.length;
    }
    return total / seedIdx.length;
  };
  const allSeeds = Array.from({ length: S }, (_, s) => s);
  const estimate = statistic(allSeeds, strata);
  const draw = generator(options.seed);
  const replicates = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    const seeds = S > 1 ? allSeeds.map(() => draw(S)) : allSeeds;
    const items = strata.map((list) => list.map(() => list[draw(list.length)]!));
    replicates[r] = statistic(seeds, items);
  }
  replicates.sort((x, y) => x - y);
  const alpha = (1 - level) / 2;
  return { estimate, low: quantileSorted(replicates, alpha), high: quantileSorted(replicates, 1 - alpha), level, resamples, seedsResampled: S > 1 };
}
