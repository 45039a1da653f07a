/**
 * Layout of the shared control block (an Int32Array over its own SharedArrayBuffer) through which the
 * calling thread hands tasks to the workers and waits for them.
 */

/**
 * Index of the job generation counter: bumped once per job, so every job has a generation different from
 * the one before it. Workers do not wait on it; each waits on its own slot's `SLOT_GEN`.
 */
export const GEN = 0;
/** Index of the count of worker tasks still running in the current job (the caller waits on it). */
export const PENDING = 1;
/** Index of the error flag (non-zero after a task threw). */
export const ERROR = 2;
/** First index of the per-worker slots. */
export const SLOT_BASE = 16;
/** Int32s per worker slot. */
export const SLOT_SIZE = 32;
/**
 * Offset in a slot: the generation of the task posted to this worker. The worker waits on this word and
 * runs a task only when it differs from the generation it last ran, so a late or spurious wake-up can
 * never run a task twice.
 */
export const SLOT_GEN = 0;
/** Offset in a slot: the task kernel index. */
export const SLOT_KERNEL = 1;
/** Offset in a slot: the number of arguments. */
export const SLOT_NARGS = 2;
/** Offset in a slot: the first argument. */
export const SLOT_ARGS = 3;
/** Offset in a slot: the generation of the last task this worker started (for the watchdog's report). */
export const SLOT_STARTED = 29;
/** Offset in a slot: the generation of the last task this worker finished (for the watchdog's report). */
export const SLOT_DONE = 30;
/** Offset in a slot: 1 once the worker has instantiated the module and is waiting for tasks. */
export const SLOT_READY = 31;
/** Most arguments a task may have. */
export const MAX_ARGS = SLOT_STARTED - SLOT_ARGS;
/** Bytes of the shared buffer that carries an error message from a worker. */
export const ERROR_TEXT_BYTES = 1024;

/** Int32 count of a control block for `workers` workers. */
export function controlInts(workers: number): number {
  return SLOT_BASE + workers * SLOT_SIZE;
}
