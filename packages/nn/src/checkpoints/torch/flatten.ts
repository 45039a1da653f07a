/**
 * Flattens an unpickled checkpoint into dotted tensor names: a state dict (`{"a.weight": t}`) stays as it is,
 * state dicts nested in dicts (`{"state_dict": {...}}`, `{"model": {...}, "epoch": 3}`) get their keys
 * prefixed (`state_dict.a.weight`). Everything that is not a tensor or a dict (ints, strings, lists, tuples)
 * and optimizer state dicts (dicts with `state` and `param_groups`) are listed as skipped, by name.
 */
import { describePy, PyDict } from "./pickle/values.js";
import { TensorRef } from "./torch-objects.js";

/** Tensor references by dotted name, in checkpoint order, and the names of what was left out. */
export interface FlatCheckpoint {
  readonly tensors: Map<string, TensorRef>;
  readonly skipped: string[];
}

const MAX_DEPTH = 64;

function keyName(key: unknown): string | undefined {
  if (typeof key === "string") return key;
  if (typeof key === "number" || typeof key === "bigint") return String(key);
  if (typeof key === "boolean") return key ? "True" : "False";
  return undefined;
}

function isOptimizerState(d: PyDict): boolean {
  return d.entries.has("state") && d.entries.has("param_groups");
}

/** Flattens the unpickled `root`; `fail` makes the error for a root that is not a dict or tensor, or a name clash. */
export function flattenCheckpoint(root: unknown, fail: (message: string) => Error): FlatCheckpoint {
  const tensors = new Map<string, TensorRef>();
  const skipped: string[] = [];
  const path = new Set<PyDict>();

  function add(name: string, t: TensorRef): void {
    if (tensors.has(name)) throw fail(`tensor name "${name}" occurs twice after flattening nested dicts`);
    tensors.set(name, t);
  }

  function walk(d: PyDict, prefix: string, depth: number): void {
    path.add(d);
    for (const [k, v] of d.entries) {
      const key = keyName(k);
      const name = prefix + (key ?? `<${describePy(k)} key>`);
      if (key === undefined) skipped.push(name);
      else if (v instanceof TensorRef) add(name, v);
      else if (v instanceof PyDict && v.entries.size > 0 && !isOptimizerState(v) && !path.has(v) && depth < MAX_DEPTH) walk(v, `${name}.`, depth + 1);
      else skipped.push(name);
    }
    path.delete(d);
  }

  if (root instanceof TensorRef) add("", root);
  else if (root instanceof PyDict) walk(root, "", 0);
  else throw fail(`the checkpoint holds a ${describePy(root)}, not a state dict (a dict of tensors) or a tensor`);
  return { tensors, skipped };
}
