/**
 * Formatting of the kernel benchmark's results: a Markdown table with one row per case and one column per
 * contender, each cell "GFLOP/s (ms per run)"; a contender with GPU timestamp times gets a "NAME gpu ms"
 * column right after its own.
 */
import { NOMINAL_FLOPS } from "./cases.js";

/** One measured (or failed) case on one contender, as written to `--json`. */
export interface ResultRow {
  readonly case: string;
  readonly origin: string;
  readonly kind: string;
  readonly flops: number;
  readonly contender: string;
  /** Median ms per run; null when not measured. */
  readonly ms: number | null;
  readonly gflops: number | null;
  /** Median GPU ms per run from WebGPU timestamp queries; null when not measured (no GPU timer). */
  readonly gpuMs: number | null;
  readonly repeats: number;
  /** Runs per timed repeat (GPU work is batched between syncs). */
  readonly batch: number;
  /** ms of the first run (includes compiling kernels). */
  readonly firstMs: number | null;
  /** Why there is no figure: "unavailable: ...", "failed: ...", "skipped: ...". */
  readonly note?: string;
}

/** A contender as listed above the table: its description, or why it is unavailable. */
export interface ContenderInfo {
  readonly name: string;
  readonly description?: string;
  readonly unavailable?: string;
}

function fmtNumber(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2);
}

/** The cell of one result: "123 (4.56 ms)", or a short note. */
export function cell(r: ResultRow | undefined): string {
  if (!r) return "";
  if (r.ms === null || r.gflops === null) return (r.note ?? "n/a").split(":")[0]!;
  return `${fmtNumber(r.gflops)} (${fmtNumber(r.ms)} ms)`;
}

/** The cell of a result's GPU time: "4.56", or "" when it has none. */
export function gpuCell(r: ResultRow | undefined): string {
  return r?.gpuMs == null ? "" : fmtNumber(r.gpuMs);
}

/**
 * The Markdown table of `rows` for the cases `cases` (in order) and the contenders `names` (columns); a
 * contender with any GPU time gets a "NAME gpu ms" column after its own.
 */
export function renderTable(cases: readonly string[], names: readonly string[], rows: readonly ResultRow[]): string {
  const at = new Map(rows.map((r) => [`${r.case}\u0000${r.contender}`, r]));
  const timed = new Set(rows.filter((r) => r.gpuMs != null).map((r) => r.contender));
  const columns = names.flatMap((n) => [{ head: n, name: n, fmt: cell }, ...(timed.has(n) ? [{ head: `${n} gpu ms`, name: n, fmt: gpuCell }] : [])]);
  const head = ["case", ...columns.map((k) => k.head)];
  const body = cases.map((c) => [c, ...columns.map((k) => k.fmt(at.get(`${c}\u0000${k.name}`)))]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((s, i) => (i === 0 ? s.padEnd(widths[i]!) : s.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(head), rule, ...body.map(line)].join("\n");
}

/** The lines above the table: what each contender runs on. */
export function renderContenders(infos: readonly ContenderInfo[]): string {
  const w = Math.max(...infos.map((i) => i.name.length));
  return infos.map((i) => `  ${i.name.padEnd(w)}  ${i.unavailable ? `unavailable: ${i.unavailable}` : i.description ?? ""}`).join("\n");
}

/** Notes printed below the table: units, nominal FLOP counts, and every failed or skipped cell's reason. */
export function renderNotes(rows: readonly ResultRow[]): string {
  const lines = [
    `Cells: GFLOP/s (median ms per run). Matmul/conv/attention count 2 FLOPs per multiply-add; layer norm and softmax use nominal counts of ${NOMINAL_FLOPS.layerNorm} and ${NOMINAL_FLOPS.softmax} FLOPs per element.`,
  ];
  if (rows.some((r) => r.gpuMs != null)) {
    lines.push(
      "gpu ms: median GPU time per run from WebGPU timestamp queries (the summed durations of the compute passes of each timed batch, divided by its runs); it leaves out submission, readback and idle gaps that the wall-clock ms include.",
    );
  }
  for (const r of rows) if (r.note && !r.note.startsWith("unavailable")) lines.push(`  ${r.contender}, ${r.case}: ${r.note}`);
  return lines.join("\n");
}
