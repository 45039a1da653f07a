/**
 * Splits a batched GEMM over threads: whole problems of the batch when there are enough of them, else row
 * ranges (multiples of the register tile's rows), else column ranges.
 */

/** How one job is divided: each range [start, end) goes to one thread. */
export interface GemmSplit {
  /** The dimension split. */
  dim: "batch" | "rows" | "cols";
  /** One range per thread. */
  ranges: [number, number][];
}

/** Below this many flops per thread, an extra thread costs more than it saves. */
export const MIN_FLOPS_PER_THREAD = 1 << 20;

/** Splits `units` units of size `unit` (the last may be short, total `total`) into `parts` near-equal ranges. */
function ranges(total: number, unit: number, parts: number): [number, number][] {
  const units = Math.ceil(total / unit);
  const out: [number, number][] = [];
  for (let p = 0; p < parts; p++) {
    const u0 = Math.floor((units * p) / parts), u1 = Math.floor((units * (p + 1)) / parts);
    if (u1 > u0) out.push([u0 * unit, Math.min(total, u1 * unit)]);
  }
  return out;
}

/**
 * Chooses the split of `count` problems of [m,k] @ [k,n] over at most `threads` threads, with register
 * tile `mr` x `nr`.
 */
export function splitGemm(count: number, m: number, n: number, k: number, threads: number, mr: number, nr: number): GemmSplit {
  const flops = 2 * count * m * n * k;
  const t = Math.max(1, Math.min(threads, Math.floor(flops / MIN_FLOPS_PER_THREAD)));
  if (t === 1) return { dim: "batch", ranges: [[0, count]] };
  if (count >= t && (count % t === 0 || count >= 4 * t)) return { dim: "batch", ranges: ranges(count, 1, t) };
  const rowUnits = Math.ceil(m / mr), colUnits = Math.ceil(n / nr);
  if (rowUnits >= colUnits || rowUnits >= 4 * t) return { dim: "rows", ranges: ranges(m, mr, Math.min(t, rowUnits)) };
  return { dim: "cols", ranges: ranges(n, nr, Math.min(t, colUnits)) };
}

/** Splits `rows` independent rows of `cost` flops each over at most `threads` threads. */
export function splitRows(rows: number, cost: number, threads: number): [number, number][] {
  const t = Math.max(1, Math.min(threads, rows, Math.floor((rows * cost) / MIN_FLOPS_PER_THREAD)));
  return ranges(rows, 1, t);
}
