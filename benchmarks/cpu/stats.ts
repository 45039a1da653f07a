/**
 * Timing helpers for the CPU benchmark: medians and adaptive repeat counts.
 */

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Repeats per round for a matmul of size n (about `budgetFlops` of work, at least 2, at most 40). */
export function repeatsFor(n: number, budgetFlops = 6e9): number {
  return Math.max(2, Math.min(40, Math.round(budgetFlops / (2 * n ** 3))));
}

/** GFLOP/s of an n x n x n matmul taking `seconds`. */
export function gflops(n: number, seconds: number): number {
  return (2 * n ** 3) / seconds / 1e9;
}
