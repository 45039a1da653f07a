import type { ParamShapes } from "../blocks/shapes.js";
import { isCleanReport, type ParamReport, type ShapeMismatch } from "../../layers/validate.js";

/** A parameter whose stored shape differs from the one the config implies (the layers' ShapeMismatch). */
export type DiffusersShapeMismatch = ShapeMismatch;

/** How a checkpoint's names and shapes compare with what a config expects (the layers' ParamReport). */
export type DiffusersCheckpointReport = ParamReport;

/** Compares stored names and shapes with the expected ones. */
export function checkShapes(stored: ReadonlyMap<string, readonly number[]>, expected: ParamShapes): DiffusersCheckpointReport {
  const missing: string[] = [];
  const mismatched: ShapeMismatch[] = [];
  for (const [name, shape] of expected) {
    const actual = stored.get(name);
    if (!actual) missing.push(name);
    else if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) mismatched.push({ name, expected: shape, actual });
  }
  const unexpected = [...stored.keys()].filter((name) => !expected.has(name));
  return { missing, unexpected, mismatched };
}

/** True when nothing is missing, unexpected or mis-shaped. */
export const isClean = isCleanReport;

function list(names: readonly string[], max = 10): string {
  const shown = names.slice(0, max).join(", ");
  return names.length > max ? `${shown}, ... (${names.length} in all)` : shown;
}

/** A one-paragraph description of a report, naming the keys at fault. */
export function describeReport(r: DiffusersCheckpointReport): string {
  const parts: string[] = [];
  if (r.missing.length) parts.push(`missing keys: ${list(r.missing)}`);
  if (r.unexpected.length) parts.push(`unexpected keys: ${list(r.unexpected)}`);
  if (r.mismatched.length) {
    parts.push(`mis-shaped keys: ${list(r.mismatched.map((m) => `${m.name} (expected [${m.expected.join(",")}], found [${m.actual.join(",")}])`), 5)}`);
  }
  return parts.join("; ");
}
