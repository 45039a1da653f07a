/**
 * The measuring loop of the CPU benchmark: sets the contenders up, then for each case warms every
 * contender up and times them interleaved round by round (so that load from other processes falls on
 * all of them alike).
 */
import type { BenchCase } from "./cases.js";
import type { Runner } from "./peers/runner.js";

/** One contender's results over the cases of a part. */
export interface Entry<C extends BenchCase = BenchCase> {
  runner: Runner<C>;
  /** "ok" or "unavailable: reason" (setup failed). */
  status: string;
  /** Our row that the ratios are taken against. */
  primary: boolean;
  /** Wall-clock seconds per run, by case column. */
  times: Map<string, number[]>;
  /** Process CPU seconds over all timed runs, by case column. */
  cpu: Map<string, number>;
  /** Why a case did not run, by case column. */
  errors: Map<string, string>;
  /** Lowest FLOP/s seen so far in this part (predicts, conservatively, the time of the next case). */
  rate: number;
}

/** Lets spinning peer threads (OpenMP, onnxruntime) go idle before the next contender is timed. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300));

/** Repeats per round: about `budgetFlops` of work per round in all, at least 1 per round. */
export function repeatsPerRound(flops: number, rounds: number, budgetFlops = 6e9): number {
  const total = Math.max(2, Math.min(40, Math.round(budgetFlops / flops)));
  return Math.max(1, Math.round(total / rounds));
}

const firstLine = (err: unknown): string => ((err as Error).message ?? String(err)).split("\n")[0]!;

/** Sets up every runner (a failure makes its row "unavailable: reason"). */
export async function setupEntries<C extends BenchCase>(runners: readonly [Runner<C>, boolean][]): Promise<Entry<C>[]> {
  const entries: Entry<C>[] = [];
  for (const [runner, primary] of runners) {
    const e: Entry<C> = { runner, status: "ok", primary, times: new Map(), cpu: new Map(), errors: new Map(), rate: 0 };
    try {
      await runner.setup();
    } catch (err) {
      e.status = `unavailable: ${firstLine(err)}`;
    }
    entries.push(e);
  }
  return entries;
}

/**
 * Times every live entry on every case: warm-up, then `rounds` interleaved rounds. A case that an entry's
 * earlier rate in this part predicts to take more than `maxRunSeconds` per run is skipped for it.
 */
export async function measure<C extends BenchCase>(
  entries: Entry<C>[],
  cases: readonly C[],
  rounds: number,
  maxRunSeconds: number,
  log: (s: string) => void,
): Promise<void> {
  const live = entries.filter((e) => e.status === "ok");
  for (const c of cases) {
    const reps = repeatsPerRound(c.flops, rounds);
    for (const e of live) {
      const why = e.runner.unsupported?.(c);
      if (why) {
        e.errors.set(c.column, `unavailable: ${why}`);
        continue;
      }
      const predicted = e.rate > 0 ? c.flops / e.rate : 0;
      if (predicted > maxRunSeconds) {
        e.errors.set(c.column, `skipped: its slowest earlier case (${(e.rate / 1e9).toFixed(2)} GFLOP/s) predicts > ${maxRunSeconds} s per run (--max-run-seconds)`);
        continue;
      }
      await settle();
      try {
        await e.runner.time(c, Math.max(1, Math.ceil(reps / 2))); // warm-up
        e.times.set(c.column, []);
        e.cpu.set(c.column, 0);
      } catch (err) {
        e.errors.set(c.column, firstLine(err));
      }
    }
    for (let r = 0; r < rounds; r++) {
      for (const e of live) {
        const ts = e.times.get(c.column);
        if (!ts) continue;
        await settle();
        try {
          const t = await e.runner.time(c, reps);
          ts.push(...t.wall);
          const rate = c.flops / Math.min(...t.wall);
          e.rate = e.rate > 0 ? Math.min(e.rate, rate) : rate;
          e.cpu.set(c.column, e.cpu.get(c.column)! + t.cpu);
        } catch (err) {
          e.errors.set(c.column, firstLine(err));
          e.times.delete(c.column);
        }
      }
    }
    log(`  ${c.part} ${c.column} done`);
  }
  for (const e of entries) await e.runner.close();
}
