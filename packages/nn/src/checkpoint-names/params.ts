import { flattenTree, Tensor, unflattenTree } from "@diva/tensor";
import type { SpecsOf } from "./specs.js";

/** A tree of parameters whose key paths are the reference checkpoint names (numeric segments are arrays). */
export type Params = { [key: string]: Tensor | Params | Params[] | Tensor[] };

/**
 * Builds a parameter tree from flat checkpoint names: `"a.0.b"` becomes `{ a: [{ b }] }`. Numeric segments
 * become array indices so that `resblocks[i]` reads naturally; the inverse is `flattenParams`. The tree's
 * objects have no prototype; names with a `__proto__`, `constructor` or `prototype` segment, and colliding
 * names, are errors naming `source` (the file the names came from) and the key (see `unflattenTree`).
 */
export function unflattenParams(flat: Record<string, Tensor>, source = "unflattenParams"): Params {
  return unflattenTree(flat, source) as Params;
}

/**
 * The names a parameter tree `T` must have: its spec table (`SpecsOf<T>`, from which `T` is inferred) or a
 * name -> shape map (`ParamShapes`).
 */
export type ExpectedNames<T> = SpecsOf<T> | ReadonlyMap<string, unknown>;

/** Options of {@link unflattenAs}. */
export interface UnflattenAsOptions {
  /**
   * Accept a subset of the expected names (a non-strict load that skipped missing or mis-shaped tensors; the
   * tree then lacks those leaves). Names outside `expected` are errors either way.
   */
  partial?: boolean;
}

/**
 * {@link unflattenParams} for a typed tree: checks the flat names against `expected` (the spec table that
 * `T`'s init and loaders are built from) and returns the tree as `T`. This is the one place where a flat
 * state dict becomes a typed parameter tree; that every model's spec names match its interface is tested per
 * model (`test/param-trees.test.ts`). A name outside `expected`, or, unless `partial`, one missing from
 * `flat`, is an error naming `source` and the name.
 */
export function unflattenAs<T extends object>(flat: Record<string, Tensor>, expected: ExpectedNames<T>, source = "unflattenAs", options: UnflattenAsOptions = {}): T {
  const has = expected instanceof Map ? (n: string) => expected.has(n) : (n: string) => Object.hasOwn(expected, n);
  for (const name of Object.keys(flat)) {
    if (!has(name)) throw new Error(`${source}: unexpected parameter "${name}" (not in the model's specs)`);
  }
  if (!options.partial) {
    const names = expected instanceof Map ? [...expected.keys()] : Object.keys(expected);
    for (const name of names) {
      if (!Object.hasOwn(flat, name)) throw new Error(`${source}: missing parameter "${name}"`);
    }
  }
  // the names were checked against `expected` just above; the tree type T is what those specs describe
  return unflattenParams(flat, source) as T;
}

/** Flat checkpoint names of a parameter tree (`{ a: [{ b }] }` -> `"a.0.b"`). */
export function flattenParams(params: Params): Record<string, Tensor> {
  return flattenTree(params);
}

/** The tensor at a dotted path of a parameter tree, or an error naming the path. */
export function getParam(params: Params, path: string): Tensor {
  let node: unknown = params;
  for (const part of path.split(".")) {
    // own keys only: "constructor" must not find Object.prototype's
    node = typeof node === "object" && node !== null && Object.hasOwn(node, part) ? (node as Record<string, unknown>)[part] : undefined;
  }
  if (!(node instanceof Tensor)) throw new Error(`missing parameter "${path}"`);
  return node;
}
