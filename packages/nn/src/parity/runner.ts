/**
 * A parity runner: one per model family. It recognises a fixture (by its weight names and config), builds the
 * model from the config, runs it on the fixture's inputs and returns the results it can name. The runners
 * themselves are listed once, in `runners.ts`.
 */
import type { Tensor } from "@diva/tensor";
import type { Fixture } from "./fixture.js";

/** A model family's parity runner. */
export interface ParityRunner {
  /** Family name shown in reports. */
  readonly name: string;
  /** True when this runner understands the fixture. */
  matches(fixture: Fixture): boolean;
  /** Default relative tolerance for an expected name (`output.x`, `grad.y`) of the fixture. */
  tolerance(name: string, fixture: Fixture): number;
  /**
   * Names of the fixture's tensors to compare (default: every `output.*`, `intermediate.*` and `grad.*`).
   * A runner may name other tensors (a scheduler fixture stores `alphas_cumprod` without a prefix).
   */
  referenceNames?(fixture: Fixture): string[];
  /**
   * Computes the results for the expected names in `wanted` (full names). Names it cannot produce are
   * left out (the report lists them as failures).
   */
  run(fixture: Fixture, wanted: readonly string[]): Record<string, Tensor> | Promise<Record<string, Tensor>>;
}
