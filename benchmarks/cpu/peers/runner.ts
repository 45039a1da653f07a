/**
 * The interface every contender of the CPU benchmark implements, and in-process timing.
 */
import type { BenchCase } from "../cases.js";

/** Timings of a batch of runs. */
export interface Timing {
  wall: number[];
  cpu: number;
}

/** Times `repeats` calls of a synchronous or asynchronous function in this process. */
export async function timeInProcess(repeats: number, run: () => unknown): Promise<Timing> {
  const wall: number[] = [];
  const c0 = process.cpuUsage();
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await run();
    wall.push((performance.now() - t0) / 1e3);
  }
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

/** One contender: a library at a thread count, for the cases of one part. */
export interface Runner<C extends BenchCase = BenchCase> {
  /** Row label in the table. */
  readonly name: string;
  /** Threads it runs with (as configured). */
  readonly threads: number;
  /** Extra configuration worth reporting (environment, versions). */
  readonly note?: string;
  /** Loads the library; throws with a reason when it is unavailable. */
  setup(): Promise<void>;
  /** Why this contender cannot run case `c` (printed as "unavailable: reason"), or undefined. */
  unsupported?(c: C): string | undefined;
  /**
   * Wall-clock seconds for each of `repeats` runs of the case (after the caller's warm-up runs), and the
   * CPU seconds the runner's process spent on them in total (all its threads).
   */
  time(c: C, repeats: number): Promise<Timing>;
  /** Releases resources (child processes, sessions). */
  close(): Promise<void>;
}

/**
 * A single-threaded runner of a library that `setup` loads once (tfjs, jax-js): `body` receives a getter of the
 * loaded library and supplies `time` (and `unsupported` or `close` where it needs them).
 */
export function loadedLibraryRunner<L, C extends BenchCase>(
  name: string,
  load: () => Promise<L>,
  body: (library: () => L) => Pick<Runner<C>, "time"> & Partial<Pick<Runner<C>, "unsupported" | "close">>,
): Runner<C> {
  let loaded: L | undefined;
  const library = (): L => {
    if (loaded === undefined) throw new Error(`${name}: setup() has not run`);
    return loaded;
  };
  return { name, threads: 1, setup: async () => void (loaded = await load()), close: async () => {}, ...body(library) };
}
