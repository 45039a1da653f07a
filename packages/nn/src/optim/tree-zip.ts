import { treeLeaves, type Tensor } from "@diva/tensor";
import { fmtShape } from "./fmt.js";

/**
 * Leaves of parameter, gradient and state trees side by side (state may be null = absent). The trees must have
 * the same structure and shapes; an error names the first leaf that differs.
 */
export function zipTrees(params: unknown, grads: unknown, ...states: unknown[]): [Tensor, Tensor, ...(Tensor | null)[]][] {
  const ps = treeLeaves(params);
  const gs = treeLeaves(grads);
  if (ps.length !== gs.length) throw new Error(`optimizer: ${ps.length} parameters but ${gs.length} gradients`);
  const ss = states.map((s) => (s === null ? null : treeLeaves(s)));
  return ps.map((p, i) => {
    const g = gs[i]!;
    if (p.shape.length !== g.shape.length || p.shape.some((d, k) => d !== g.shape[k])) {
      throw new Error(`optimizer: parameter ${i} has shape ${fmtShape(p.shape)} but its gradient ${fmtShape(g.shape)}`);
    }
    return [p, g, ...ss.map((s) => (s ? s[i]! : null))];
  });
}
