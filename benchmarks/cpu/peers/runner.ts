/**
 * The interface every matmul contender of the CPU benchmark implements.
 */

/** Square f32 matrices A and B of one size, shared by all contenders. */
export interface MatmulInputs {
  n: number;
  a: Float32Array;
  b: Float32Array;
}

/** One contender: a library at a thread count. */
export interface MatmulRunner {
  /** Row label in the table. */
  readonly name: string;
  /** Threads it runs with (as configured). */
  readonly threads: number;
  /** Extra configuration worth reporting (environment, versions). */
  readonly note?: string;
  /** Loads the library; throws with a reason when it is unavailable. */
  setup(): Promise<void>;
  /** Seconds for each of `repeats` runs of A @ B (after the caller's warm-up runs). */
  time(inputs: MatmulInputs, repeats: number): Promise<number[]>;
  /** Releases resources (child processes, sessions). */
  close(): Promise<void>;
}
