import type { ParamShapes } from "../blocks/shapes.js";

/** A parameter whose stored shape differs from the one the config implies. */
export interface DiffusersShapeMismatch {
  /** The parameter's name. */
  name: string;
  /** Shape the config implies. */
  expected: readonly number[];
  /** Shape in the checkpoint. */
  actual: readonly number[];
}

/** How a checkpoint's names and shapes compare with what a config expects. */
export interface DiffusersCheckpointReport {
  /** Expected by the config, absent from the checkpoint. */
  missing: string[];
  /** Present in the checkpoint, not expected by the config. */
  unexpected: string[];
  /** Present in both with different shapes. */
  mismatched: DiffusersShapeMismatch[];
}

/** Compares stored names and shapes with the expected ones. */
export function checkShapes(stored: ReadonlyMap<string, readonly number[]>, expected: ParamShapes): DiffusersCheckpointReport {
  const report: DiffusersCheckpointReport = { missing: [], unexpected: [], mismatched: [] };
  for (const [name, shape] of expected) {
    const actual = stored.get(name);
    if (!actual) report.missing.push(name);
    else if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) report.mismatched.push({ name, expected: shape, actual });
  }
  for (const name of stored.keys()) if (!expected.has(name)) report.unexpected.push(name);
  return report;
}

/** True when nothing is missing, unexpected or mis-shaped. */
export function isClean(r: DiffusersCheckpointReport): boolean {
  return r.missing.length === 0 && r.unexpected.length === 0 && r.mismatched.length === 0;
}

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
