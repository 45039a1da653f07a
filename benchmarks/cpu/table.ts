/**
 * Printing one part of the CPU benchmark: the main table (GFLOP/s or ms), the ratios of our primary row
 * to every other row, GFLOP per CPU-second, and the reasons for missing cells; plus the JSON rows.
 */
import type { Entry } from "./bench-loop.js";
import type { BenchCase } from "./cases.js";
import { median } from "./stats.js";

/** One result row of the JSON output. */
export interface Row {
  part: string;
  case: string;
  runner: string;
  threads: number;
  medianMs: number | null;
  gflops: number | null;
  /** GFLOP per CPU-second of the contender's process (all its threads): efficiency, robust to load. */
  gflopsPerCpuSecond: number | null;
  samples: number;
  status: string;
}

/** How the main table shows a time: GFLOP/s (higher is better) or milliseconds (lower is better). */
export type Metric = "gflops" | "ms";

const label = (e: Entry): string => `${e.runner.name} (${e.runner.threads} thr)`;

/** Prints the tables of one part and returns its JSON rows. */
export function printPart(title: string, entries: readonly Entry[], cases: readonly BenchCase[], metric: Metric, rounds: number): Row[] {
  const rows: Row[] = [];
  const width = Math.max(...entries.map((e) => label(e).length), 10);
  const w = Math.max(9, ...cases.map((c) => c.column.length + 2));
  const col = (s: string): string => s.padStart(w);
  const header = `${"".padEnd(width)} ${cases.map((c) => col(c.column)).join("")}`;
  console.log(`\n${title}, ${metric === "gflops" ? "GFLOP/s" : "ms per step"} (median of ${rounds} interleaved rounds)`);
  console.log(header);
  for (const e of entries) {
    const cells = cases.map((c) => {
      const ts = e.times.get(c.column);
      const status = e.status !== "ok" ? e.status : e.errors.get(c.column) ?? "ok";
      const med = ts?.length ? median(ts) : null;
      const cpu = e.cpu.get(c.column);
      const perCpu = ts?.length && cpu ? (c.flops * ts.length) / cpu / 1e9 : null;
      const gf = med === null ? null : c.flops / med / 1e9;
      rows.push({ part: c.part, case: c.column, runner: e.runner.name, threads: e.runner.threads, medianMs: med === null ? null : med * 1e3, gflops: gf, gflopsPerCpuSecond: perCpu, samples: ts?.length ?? 0, status });
      if (med === null) return col(e.status !== "ok" ? "-" : e.errors.has(c.column) ? "n/a" : "-");
      return col(metric === "gflops" ? gf!.toFixed(1) : (med * 1e3).toFixed(0));
    });
    const tail = e.status !== "ok" ? `  ${e.status}` : "";
    console.log(`${label(e).padEnd(width)} ${cells.join("")}${tail}`);
  }
  const ours = entries.find((e) => e.primary && e.status === "ok");
  if (ours) {
    console.log(`\nratio: ${label(ours)} / row, by median time (>1 means ours is faster)`);
    console.log(header);
    for (const e of entries) {
      if (e === ours || e.status !== "ok") continue;
      const cells = cases.map((c) => {
        const a = ours.times.get(c.column), b = e.times.get(c.column);
        return col(a?.length && b?.length ? (median(b) / median(a)).toFixed(2) + "x" : "-");
      });
      console.log(`${label(e).padEnd(width)} ${cells.join("")}`);
    }
  }
  console.log(`\nGFLOP per CPU-second of the contender's process (all threads; efficiency, less sensitive to load)`);
  for (const e of entries) {
    if (e.status !== "ok") continue;
    const cells = cases.map((c) => {
      const r = rows.find((x) => x.runner === e.runner.name && x.threads === e.runner.threads && x.case === c.column);
      return col(r?.gflopsPerCpuSecond == null || !Number.isFinite(r.gflopsPerCpuSecond) ? "-" : r.gflopsPerCpuSecond.toFixed(1));
    });
    console.log(`${label(e).padEnd(width)} ${cells.join("")}`);
  }
  const missing = entries.flatMap((e) => [...e.errors].map(([c, m]) => `${label(e)} ${c}: ${m}`));
  if (missing.length) {
    console.log("");
    for (const m of dedupe(missing)) console.log(m);
  }
  return rows;
}

/** Merges "row case: reason" lines that share row and reason. */
function dedupe(lines: readonly string[]): string[] {
  const byKey = new Map<string, string[]>();
  for (const l of lines) {
    const m = /^(.*\(\d+ thr\)) (.*?): (.*)$/.exec(l);
    if (!m) continue;
    const key = `${m[1]}\u0000${m[3]}`;
    byKey.set(key, [...(byKey.get(key) ?? []), m[2]!]);
  }
  return [...byKey].map(([k, cs]) => {
    const [row, reason] = k.split("\u0000");
    return `${row} [${cs.join(", ")}]: ${reason}`;
  });
}
