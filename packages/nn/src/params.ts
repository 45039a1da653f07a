import { flattenTree, Tensor, unflattenTree } from "@diva/tensor";

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
