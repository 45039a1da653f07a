/** Checking a flat checkpoint against the parameter specs of a model: missing, unexpected and mis-shaped keys. */

/** A key whose tensor has another shape than the model expects. */
export interface ShapeMismatch {
  /** Checkpoint name. */
  readonly name: string;
  /** Shape the model expects. */
  readonly expected: readonly number[];
  /** Shape found in the checkpoint. */
  readonly actual: readonly number[];
}

/** What a checkpoint lacks, has in excess, or has with the wrong shape. */
export interface ParamReport {
  /** Names the model needs that the checkpoint lacks. */
  readonly missing: readonly string[];
  /** Names in the checkpoint the model does not use. */
  readonly unexpected: readonly string[];
  /** Names present in both with different shapes. */
  readonly mismatched: readonly ShapeMismatch[];
}

/**
 * Compares checkpoint tensors (or their shapes) by name with what a model expects: its specs, or any record of
 * `{ shape }` by name.
 */
export function validateParams(flat: Readonly<Record<string, { readonly shape: readonly number[] }>>, specs: Readonly<Record<string, { readonly shape: readonly number[] }>>): ParamReport {
  const missing: string[] = [];
  const mismatched: ShapeMismatch[] = [];
  for (const [name, s] of Object.entries(specs)) {
    const t = Object.hasOwn(flat, name) ? flat[name] : undefined;
    if (!t) missing.push(name);
    else if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i])) {
      mismatched.push({ name, expected: s.shape, actual: [...t.shape] });
    }
  }
  const unexpected = Object.keys(flat).filter((n) => !Object.hasOwn(specs, n)); // own keys: "constructor" is unexpected
  return { missing, unexpected, mismatched };
}

/** True when nothing is missing, unexpected or mis-shaped. */
export function isCleanReport(r: ParamReport): boolean {
  return r.missing.length === 0 && r.unexpected.length === 0 && r.mismatched.length === 0;
}

/** A readable multi-line description of a report, naming every key (for errors and logs). */
export function formatParamReport(r: ParamReport, what = "checkpoint"): string {
  const lines: string[] = [];
  const fmt = (s: readonly number[]) => `[${s.join(", ")}]`;
  if (r.missing.length) lines.push(`${what}: ${r.missing.length} missing key(s): ${r.missing.join(", ")}`);
  if (r.unexpected.length) lines.push(`${what}: ${r.unexpected.length} unexpected key(s): ${r.unexpected.join(", ")}`);
  for (const m of r.mismatched) lines.push(`${what}: "${m.name}" has shape ${fmt(m.actual)}, the model expects ${fmt(m.expected)}`);
  return lines.join("\n");
}
