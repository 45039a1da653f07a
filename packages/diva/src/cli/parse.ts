import { InvalidArgumentError, Option } from "commander";

/** Parses a positive integer option value, or fails with commander's "argument is invalid" error. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer.");
  return n;
}

/** Parses a non-negative integer (seeds). */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("expected a non-negative integer.");
  return n;
}

/** Parses a positive finite number (learning rates, tolerances). */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number.");
  return n;
}

/** The backends the CLI can run on. */
export type BackendName = "cpu" | "webgpu";

/** `--backend cpu|webgpu` (default cpu). */
export function backendOption(): Option {
  return new Option("--backend <name>", "compute backend").choices(["cpu", "webgpu"]).default("cpu");
}
