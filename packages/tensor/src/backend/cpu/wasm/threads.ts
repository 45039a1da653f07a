/**
 * How many threads the WebAssembly kernels use: every hardware thread by default, `DIVA_THREADS` in the
 * environment, or `setCpuThreads(n)` at run time (which wins over both).
 */
import { envVar, hardwareThreads } from "./env.js";

let override: number | undefined;

function fromEnv(): number | undefined {
  const raw = envVar("DIVA_THREADS");
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number.parseInt(raw, 10);
  if (!Number.isFinite(n) || n < 1) throw new RangeError(`DIVA_THREADS must be a positive integer, got "${raw}"`);
  return n;
}

/**
 * Sets the number of threads used by the CPU kernels (the calling thread included). `n = 1` runs
 * everything on the calling thread; `undefined` restores the default (`DIVA_THREADS` or all cores).
 */
export function setCpuThreads(n: number | undefined): void {
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new RangeError(`setCpuThreads: expected a positive integer, got ${n}`);
  override = n;
}

/** The requested thread count (the kernels may use fewer where workers or shared memory are unavailable). */
export function getCpuThreads(): number {
  return override ?? fromEnv() ?? hardwareThreads();
}
