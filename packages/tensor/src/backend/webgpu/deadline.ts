/**
 * Bounds on the waits of the WebGPU backend: a device that is lost or stuck must give an error that says what
 * was being waited for, never a promise that never settles. `DIVA_WEBGPU_TIMEOUT_MS` overrides the bound on
 * GPU work (readbacks, `sync`); finding an adapter and opening a device have their own, shorter bound.
 */
import { divaEnv } from "../../env.js";

/** Default bound on one wait for GPU work (ms): generous, as software drivers run large batches slowly. */
export const DEFAULT_GPU_WORK_TIMEOUT_MS = 600_000;
/** Bound on requesting an adapter or a device (ms). */
export const GPU_SETUP_TIMEOUT_MS = 60_000;

/** The bound on GPU work: `DIVA_WEBGPU_TIMEOUT_MS` when set, else the default. */
export function gpuWorkTimeoutMs(): number {
  const raw = divaEnv("DIVA_WEBGPU_TIMEOUT_MS");
  if (raw === undefined || raw.trim() === "") return DEFAULT_GPU_WORK_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`DIVA_WEBGPU_TIMEOUT_MS must be a positive number of milliseconds, got "${raw}"`);
  return n;
}

/**
 * Settles like `promise`, or rejects after `ms` with an error naming `what` (the wait keeps no timer alive
 * once the promise settles, and never keeps a Node process alive by itself).
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`webgpu: gave up after ${ms} ms waiting for ${what} (set DIVA_WEBGPU_TIMEOUT_MS to wait longer)`)), ms);
    (timer as { unref?: () => void }).unref?.();
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
