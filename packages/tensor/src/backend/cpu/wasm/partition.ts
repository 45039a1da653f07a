/**
 * How a job is cut for threads. GEMMs are cut into chunks of C (whole batch entries, row blocks or column
 * blocks) that threads take dynamically, several per thread so that a thread slowed by other processes
 * holds up little; row-wise kernels are split statically.
 */

/** Below this many flops per thread, an extra thread costs more than it saves. */
export const MIN_FLOPS_PER_THREAD = 1 << 20;

/** Chunks per thread aimed for when cutting a GEMM. */
const CHUNKS_PER_THREAD = 4;

/** Rows below which a row block repacks B too often to be worth cutting further. */
const MIN_CHUNK_ROWS = 64;

/** A GEMM job cut into chunks of C: `rows` x `cols` per batch entry. */
interface GemmChunks {
  /** Threads worth using (1 means: run it on the calling thread, uncut). */
  threads: number;
  rows: number;
  cols: number;
  /** Number of chunks. */
  total: number;
}

/**
 * Cuts `count` problems of [m,k] @ [k,n] for at most `threads` threads with register tile `mr` x `nr`:
 * whole problems when there are enough of them, else row blocks (multiples of `mr`), else column blocks
 * (multiples of `nr`) when there are too few rows.
 */
export function planGemm(count: number, m: number, n: number, k: number, threads: number, mr: number, nr: number): GemmChunks {
  const flops = 2 * count * m * n * k;
  const t = Math.max(1, Math.min(threads, Math.floor(flops / MIN_FLOPS_PER_THREAD)));
  if (t === 1) return { threads: 1, rows: m, cols: n, total: count };
  const want = CHUNKS_PER_THREAD * t;
  if (count >= want) return { threads: t, rows: m, cols: n, total: count };
  const per = Math.ceil(want / count);
  const rowUnits = Math.ceil(m / mr), colUnits = Math.ceil(n / nr);
  if (rowUnits >= 2 * t || rowUnits >= colUnits) {
    // Blocks of at least MIN_CHUNK_ROWS rows, unless that leaves a thread without a chunk.
    const desired = Math.ceil(rowUnits / per);
    const cap = Math.max(1, Math.floor(rowUnits / Math.ceil(t / count)));
    const units = Math.min(Math.max(desired, Math.ceil(MIN_CHUNK_ROWS / mr)), cap);
    const rows = Math.min(m, units * mr);
    const total = count * Math.ceil(m / rows);
    return { threads: Math.min(t, total), rows, cols: n, total };
  }
  const units = Math.max(1, Math.ceil(colUnits / per));
  const cols = Math.min(n, units * nr);
  const total = count * Math.ceil(n / cols);
  return { threads: Math.min(t, total), rows: m, cols, total };
}

/** Near-equal ranges of [0, total) for `parts` parts (empty ranges dropped). */
function ranges(total: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let p = 0; p < parts; p++) {
    const a = Math.floor((total * p) / parts), b = Math.floor((total * (p + 1)) / parts);
    if (b > a) out.push([a, b]);
  }
  return out;
}

/** Splits `rows` independent rows of `cost` flops each over at most `threads` threads. */
export function splitRows(rows: number, cost: number, threads: number): [number, number][] {
  const t = Math.max(1, Math.min(threads, rows, Math.floor((rows * cost) / MIN_FLOPS_PER_THREAD)));
  return ranges(rows, t);
}
