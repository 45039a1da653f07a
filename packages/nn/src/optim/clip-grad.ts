import { add, keep, mapTree, mul, noGrad, square, sum, tidy, treeLeaves, type Tensor } from "@diva/tensor";

/**
 * Scales gradients so that their global L2 norm is at most `maxNorm` (torch.nn.utils.clip_grad_norm_:
 * factor = min(1, maxNorm / (norm + 1e-6))). Returns the clipped tree (kept) and the norm before clipping.
 */
export async function clipGradNorm<G>(grads: G, maxNorm: number): Promise<[G, number]> {
  const norm = await globalNorm(grads);
  const factor = Math.min(1, maxNorm / (norm + 1e-6));
  const clipped = noGrad(() => tidy(() => keep(mapTree((g) => (factor === 1 ? mul(g, 1) : mul(g, factor)), grads))));
  return [clipped, norm];
}

/** The L2 norm of all tensors of a tree together. */
export async function globalNorm(tree: unknown): Promise<number> {
  const leaves = treeLeaves(tree);
  if (leaves.length === 0) return 0;
  const total = noGrad(() => tidy(() => leaves.map((g) => sum(square(g))).reduce((a: Tensor, b: Tensor) => add(a, b))));
  const v = await total.item();
  total.dispose();
  return Math.sqrt(v);
}
