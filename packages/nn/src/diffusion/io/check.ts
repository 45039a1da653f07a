import type { ParamShapes } from "../blocks/specs.js";
import { validateParams, type ParamReport } from "../../checkpoint-names/validate.js";

/** Compares stored names and shapes with the expected ones (`validateParams` over shape maps). */
export function checkShapes(stored: ReadonlyMap<string, readonly number[]>, expected: ParamShapes): ParamReport {
  const shapes = (m: ReadonlyMap<string, readonly number[]>) => Object.fromEntries([...m].map(([name, shape]) => [name, { shape }]));
  return validateParams(shapes(stored), shapes(expected));
}

function list(names: readonly string[], max = 10): string {
  const shown = names.slice(0, max).join(", ");
  return names.length > max ? `${shown}, ... (${names.length} in all)` : shown;
}

/** A one-paragraph description of a report, naming the keys at fault. */
export function describeReport(r: ParamReport): string {
  const parts: string[] = [];
  if (r.missing.length) parts.push(`missing keys: ${list(r.missing)}`);
  if (r.unexpected.length) parts.push(`unexpected keys: ${list(r.unexpected)}`);
  if (r.mismatched.length) {
    parts.push(`mis-shaped keys: ${list(r.mismatched.map((m) => `${m.name} (expected [${m.expected.join(",")}], found [${m.actual.join(",")}])`), 5)}`);
  }
  return parts.join("; ");
}
