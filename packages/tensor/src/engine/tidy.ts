import { Tensor } from "../tensor.js";
import { treeLeaves } from "../tree.js";
import { beginScope, endScope } from "./scope.js";

/**
 * Runs `fn` and disposes every tensor created inside it except those in its result (a tensor or any tree of
 * tensors) and those passed to `keep`. Scopes nest; the result belongs to the enclosing scope.
 *
 * @example
 * ```ts
 * const y = tidy(() => x.mul(2).add(1).exp()); // the intermediates are freed
 * ```
 */
export function tidy<T>(fn: () => T): T {
  const scope = beginScope();
  let result: T | undefined;
  try {
    result = fn();
    if (result instanceof Promise) throw new Error("tidy: the function returned a Promise; tidy only scopes synchronous code");
    return result;
  } finally {
    endScope(scope, new Set(treeLeaves(result)));
  }
}

/** Marks a tensor (or every tensor of a tree) so that no tidy scope disposes it. Returns its argument. */
export function keep<T>(tree: T): T {
  for (const t of treeLeaves(tree)) t.kept = true;
  return tree;
}

/** Disposes every tensor of a tree. */
export function dispose(tree: unknown): void {
  for (const t of treeLeaves(tree)) t.dispose();
}

/** A scope usable with `using`: tensors created while it is open are disposed when it closes, except kept ones. */
export function scope(): {
  /** Closes the scope: disposes the tensors created inside that were not kept. */
  [Symbol.dispose](): void;
  /** Marks the tensors of a tree to survive the scope; returns the tree. */
  keep<T>(t: T): T;
} {
  const s = beginScope();
  const survivors = new Set<Tensor>();
  return {
    keep<T>(tree: T): T {
      for (const t of treeLeaves(tree)) survivors.add(t);
      return tree;
    },
    [Symbol.dispose]() {
      endScope(s, survivors);
    },
  };
}
