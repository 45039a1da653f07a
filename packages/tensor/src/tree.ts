import { Tensor } from "./tensor.js";

/** A nested structure of plain objects and arrays whose leaves may be tensors. */
export type TensorTree = Tensor | readonly TensorTree[] | { readonly [key: string]: TensorTree } | number | string | boolean | null | undefined;

/** Replaces every tensor of a tree by `f(tensor)`, keeping the structure. */
export function mapTree<T>(tree: T, f: (t: Tensor, path: string) => Tensor, path = ""): T {
  if (tree instanceof Tensor) return f(tree, path) as unknown as T;
  if (Array.isArray(tree)) return tree.map((v, i) => mapTree(v, f, path ? `${path}.${i}` : String(i))) as unknown as T;
  if (isPlainObject(tree)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(tree)) out[k] = mapTree(v, f, path ? `${path}.${k}` : k);
    return out as T;
  }
  return tree;
}

/** All tensors of a tree, in a fixed order (arrays by index, objects by key insertion). */
export function treeLeaves(tree: unknown): Tensor[] {
  const out: Tensor[] = [];
  const stack: unknown[] = [tree];
  while (stack.length) {
    const v = stack.pop();
    if (v instanceof Tensor) out.push(v);
    else if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    else if (isPlainObject(v)) {
      const vals = Object.values(v);
      for (let i = vals.length - 1; i >= 0; i--) stack.push(vals[i]);
    }
  }
  return out;
}

/** Flat `{ "a.b.0": tensor }` view of a tree (the key paths of checkpoint files). */
export function flattenTree(tree: unknown): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  mapTree(tree, (t, p) => {
    out[p] = t;
    return t;
  });
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
