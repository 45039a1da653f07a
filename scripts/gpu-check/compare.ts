/**
 * Comparison of a WebGPU result with the CPU result: |gpu - cpu| <= atol + rtol * |cpu| elementwise, NaN
 * matching NaN and infinities matching exactly.
 */

/** A tolerance. */
export interface Tol {
  readonly rtol: number;
  readonly atol: number;
}

/** Named tolerances for float32 results on WebGPU against the CPU backend. */
export const TOL = {
  /** Moves, selections, comparisons, integer math: bit-exact. */
  exact: { rtol: 0, atol: 0 },
  /** One float32 operation (WGSL division may be 2.5 ulp). */
  basic: { rtol: 1e-6, atol: 1e-7 },
  /** exp, log, tanh, erf, pow, ... (WGSL builtins are allowed a few ulp). */
  transcendental: { rtol: 2e-5, atol: 5e-6 },
  /** Sums, means, matmul, conv: float32 accumulation in another order. */
  accum: { rtol: 1e-4, atol: 5e-5 },
  /** Several float32 ops with intermediate rounding (norms, attention, losses and their gradients). */
  composite: { rtol: 1e-3, atol: 1e-4 },
} as const satisfies Record<string, Tol>;

/** The outcome of comparing two arrays. */
export interface Comparison {
  /** True when every element is within tolerance and the lengths match. */
  readonly ok: boolean;
  /** Largest |gpu - cpu|. */
  readonly maxAbs: number;
  /** Largest |gpu - cpu| / (atol + rtol |cpu|) (<= 1 passes). */
  readonly worst: number;
  /** The first offending element, for messages. */
  readonly first?: { readonly index: number; readonly gpu: number; readonly cpu: number };
  /** Set when the results differ in length or dtype. */
  readonly mismatch?: string;
}

/** Compares `gpu` with `cpu` under `tol`. */
export function compare(gpu: ArrayLike<number>, cpu: ArrayLike<number>, tol: Tol): Comparison {
  if (gpu.length !== cpu.length) return { ok: false, maxAbs: Infinity, worst: Infinity, mismatch: `lengths ${gpu.length} and ${cpu.length}` };
  let maxAbs = 0;
  let worst = 0;
  let first: Comparison["first"];
  for (let i = 0; i < cpu.length; i++) {
    const g = Number(gpu[i]);
    const c = Number(cpu[i]);
    let ratio: number;
    if (Number.isNaN(c) || Number.isNaN(g) || !Number.isFinite(c) || !Number.isFinite(g)) {
      ratio = Object.is(g, c) || (Number.isNaN(g) && Number.isNaN(c)) || g === c ? 0 : Infinity;
    } else {
      const d = Math.abs(g - c);
      maxAbs = Math.max(maxAbs, d);
      const bound = tol.atol + tol.rtol * Math.abs(c);
      ratio = d === 0 ? 0 : bound === 0 ? Infinity : d / bound;
    }
    if (ratio > 1 && !first) first = { index: i, gpu: g, cpu: c };
    worst = Math.max(worst, ratio);
  }
  return { ok: worst <= 1, maxAbs, worst, ...(first ? { first } : {}) };
}
