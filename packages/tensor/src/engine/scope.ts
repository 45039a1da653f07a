import type { Tensor } from "../tensor.js";

/** A tidy scope: every tensor created while it is innermost is recorded here. */
interface Scope {
  readonly tensors: Tensor[];
}

const scopes: Scope[] = [];

/** Called by the Tensor constructor. */
export function trackTensor(t: Tensor): void {
  const s = scopes[scopes.length - 1];
  if (s) s.tensors.push(t);
}

/** Starts a scope; returns a token for `endScope`. */
export function beginScope(): Scope {
  const s: Scope = { tensors: [] };
  scopes.push(s);
  return s;
}

/**
 * Ends `scope`: disposes every tensor created in it that is not in `survivors` and not kept; survivors move
 * to the enclosing scope so that it can dispose them in turn.
 */
export function endScope(scope: Scope, survivors: ReadonlySet<Tensor>): void {
  const top = scopes.pop();
  if (top !== scope) throw new Error("tidy: scopes ended out of order (an async function inside tidy?)");
  const parent = scopes[scopes.length - 1];
  for (const t of scope.tensors) {
    if (survivors.has(t)) {
      if (parent) parent.tensors.push(t);
    } else if (!t.kept && !t.isDisposed) {
      t.dispose();
    }
  }
}
