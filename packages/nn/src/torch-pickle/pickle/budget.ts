/**
 * Bounds on what one unpickle (and the walk of its result) may cost, so that a small pickle cannot take
 * minutes or gigabytes: shared objects reached along many paths (a "billion laughs" memo bomb), a list of
 * pairs handed to thousands of constructor calls, or millions of containers made from a few bytes each.
 *
 * Work is counted in steps (an opcode, an item copied or visited, a character of a name built) and may be at
 * most {@link WORK_PER_BYTE} per byte of the pickle plus {@link WORK_ALLOWANCE}: every legitimate pickle
 * spends far less, because each item it holds costs it bytes. Memory is an estimate of the bytes of the
 * objects built, with a fixed ceiling.
 */

/** Steps allowed per pickle byte. */
const WORK_PER_BYTE = 16;
/** Steps allowed on top of the per-byte budget. */
const WORK_ALLOWANCE = 1 << 20;
/** Ceiling on the estimated bytes of the objects one unpickle builds. */
const MAX_OBJECT_BYTES = 256 * 1024 * 1024;

/** Estimated heap bytes of a dict (a JS object and a Map), a container, and a slot in one. */
export const DICT_BYTES = 256;
export const CONTAINER_BYTES = 64;
export const SLOT_BYTES = 16;

/** What is being paid for, or a function making that text (called only for an error). */
type Label = string | (() => string);

const text = (what: Label) => (typeof what === "string" ? what : what());

/** A work and memory allowance for one pickle of `pickleBytes` bytes; `fail` makes the error when one runs out. */
export class PickleBudget {
  private work = 0;
  private memory = 0;
  /** The work allowance in steps. */
  readonly maxWork: number;

  constructor(
    readonly pickleBytes: number,
    private readonly fail: (message: string) => Error,
  ) {
    this.maxWork = WORK_PER_BYTE * pickleBytes + WORK_ALLOWANCE;
  }

  /** Spends `steps` steps of work on `what`. */
  spend(steps: number, what: Label): void {
    this.work += steps;
    if (this.work > this.maxWork) {
      throw this.fail(
        `${text(what)} takes more than ${this.maxWork} steps, the most a pickle of ${this.pickleBytes} bytes may take ` +
          `(${WORK_PER_BYTE} per byte plus ${WORK_ALLOWANCE}); shared objects reached along very many paths (a memo bomb)?`,
      );
    }
  }

  /** Accounts for `bytes` more bytes of objects built for `what`. */
  allocate(bytes: number, what: Label): void {
    this.memory += bytes;
    if (this.memory > MAX_OBJECT_BYTES) {
      throw this.fail(`${text(what)}: the pickle builds more than ${MAX_OBJECT_BYTES} bytes of objects; refusing`);
    }
  }
}
