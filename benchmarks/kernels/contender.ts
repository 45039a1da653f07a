/**
 * What every contender of the kernel benchmark implements (our backends and each peer library/device).
 */
import type { BenchCase } from "./cases.js";

/** One case set up on one contender, with its inputs already on the device. */
export interface PreparedCase {
  /** Enqueues (GPU) or runs (CPU) one evaluation of the op, releasing the previous output. */
  run(): void;
  /** Waits until every evaluation so far has finished: a readback or a queue fence. */
  sync(): Promise<void>;
  /** Releases inputs and outputs. */
  dispose(): void;
  /**
   * Starts timing, on the GPU (timestamp queries), the runs enqueued until `stop()`, which resolves to GPU
   * nanoseconds; null (or no such method) when the contender cannot (no GPU, no `timestamp-query`).
   */
  gpuTimer?(): GpuRegion | null;
}

/** A running GPU timing region of a prepared case. */
export interface GpuRegion {
  /** Waits for the timed work and resolves to the GPU nanoseconds it took. */
  stop(): Promise<number>;
}

/** A library on a device: "diva webgpu", "tfjs wasm", "jax-js webgpu", ... */
export interface Contender {
  /** Column label. */
  readonly name: string;
  /** Loads the library and its device; returns a description (adapter name, threads); throws with a reason when unavailable. */
  setup(): Promise<string>;
  /** Uploads the inputs of `c` (shapes from `inputShapes`) and returns the case ready to run; throws if unsupported. */
  prepare(c: BenchCase, inputs: readonly Float32Array[]): Promise<PreparedCase>;
  /** Releases the device, if anything needs it. */
  close?(): Promise<void>;
}
