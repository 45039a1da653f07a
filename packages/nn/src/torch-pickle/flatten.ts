/**
 * Flattens an unpickled checkpoint into dotted tensor names: a state dict (`{"a.weight": t}`) stays as it is,
 * state dicts nested in dicts (`{"state_dict": {...}}`, `{"model": {...}, "epoch": 3}`) get their keys
 * prefixed (`state_dict.a.weight`). Everything that is not a tensor or a dict (ints, strings, lists, tuples)
 * and optimizer state dicts (dicts with `state` and `param_groups`) are listed as skipped, by name.
 *
 * Each dict is flattened once (results are kept by identity), and building names is charged to the
 * unpickle's budget, so a dict shared along many paths (a memo bomb) is an error, not hours of work.
 * Tensor names with a `__proto__`, `constructor` or `prototype` segment are refused (@diva/tensor's
 * reserved name segments): parameter trees are built from these names, and such a segment could reach an
 * object prototype.
 */
import { isReservedNameSegment } from "@diva/tensor";
import type { PickleBudget } from "./pickle/budget.js";
import { describePy, PyDict } from "./pickle/values.js";
import { TensorRef } from "./torch-objects.js";

/** Tensor references by dotted name, in checkpoint order, and the names of what was left out. */
interface FlatCheckpoint {
  readonly tensors: Map<string, TensorRef>;
  readonly skipped: string[];
}

const MAX_DEPTH = 64;

/** A flattened entry of one dict: its name relative to the dict, and its tensor (none when skipped). */
interface Part {
  readonly name: string;
  readonly tensor?: TensorRef;
}

function keyName(key: unknown): string | undefined {
  if (typeof key === "string") return key;
  if (typeof key === "number" || typeof key === "bigint") return String(key);
  if (typeof key === "boolean") return key ? "True" : "False";
  return undefined;
}

function isOptimizerState(d: PyDict): boolean {
  return d.entries.has("state") && d.entries.has("param_groups");
}

/**
 * Flattens the unpickled `root`; `fail` makes the error for a root that is not a dict or tensor, a name clash,
 * a refused name, or (through `budget`, the unpickle's) more work than the pickle's size allows.
 */
export function flattenCheckpoint(root: unknown, fail: (message: string) => Error, budget?: PickleBudget): FlatCheckpoint {
  const memo = new Map<PyDict, readonly Part[]>();
  const open = new Set<PyDict>();
  const spend = (steps: number) => budget?.spend(steps, "flattening the nested dicts into names");

  function partsOf(d: PyDict, depth: number): readonly Part[] {
    const done = memo.get(d);
    if (done) return done;
    open.add(d);
    const out: Part[] = [];
    for (const [k, v] of d.entries) {
      spend(1);
      const key = keyName(k);
      const name = key ?? `<${describePy(k)} key>`;
      if (key !== undefined && v instanceof TensorRef) out.push({ name, tensor: v });
      else if (key !== undefined && v instanceof PyDict && v.entries.size > 0 && !isOptimizerState(v) && !open.has(v) && depth < MAX_DEPTH) {
        for (const p of partsOf(v, depth + 1)) {
          const full = `${name}.${p.name}`;
          spend(1 + full.length);
          out.push({ name: full, tensor: p.tensor });
        }
      } else out.push({ name });
    }
    open.delete(d);
    memo.set(d, out);
    return out;
  }

  let parts: readonly Part[];
  if (root instanceof TensorRef) parts = [{ name: "", tensor: root }];
  else if (root instanceof PyDict) parts = partsOf(root, 0);
  else throw fail(`the checkpoint holds a ${describePy(root)}, not a state dict (a dict of tensors) or a tensor`);

  const tensors = new Map<string, TensorRef>();
  const skipped: string[] = [];
  for (const { name, tensor } of parts) {
    if (!tensor) {
      skipped.push(name);
      continue;
    }
    const bad = name.split(".").find(isReservedNameSegment);
    if (bad !== undefined) {
      throw fail(`tensor name ${JSON.stringify(name)} has the segment ${JSON.stringify(bad)}, which is refused in names read from files (as an object key it would reach an object prototype)`);
    }
    if (tensors.has(name)) throw fail(`tensor name "${name}" occurs twice after flattening nested dicts`);
    tensors.set(name, tensor);
  }
  return { tensors, skipped };
}
