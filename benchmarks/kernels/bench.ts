/**
 * The benchmark loop shared by `run.ts` (ours and peers) and the standalone GPU check (ours only): sets
 * up each contender, measures every case on it, and prints the table.
 */
import { writeFileSync } from "node:fs";
import { flopsOf, makeInputs, type BenchCase } from "./cases.js";
import type { Contender } from "./contender.js";
import { describeMachine } from "./machine.js";
import { measure, type MeasureOptions } from "./measure.js";
import { renderContenders, renderNotes, renderTable, type ContenderInfo, type ResultRow } from "./table.js";

/** Options of one benchmark run. */
export interface BenchOptions {
  readonly cases: readonly BenchCase[];
  readonly contenders: readonly Contender[];
  readonly measure: MeasureOptions;
  /** A case predicted (from the contender's earlier rates) to take longer than this per run is skipped. */
  readonly maxMs: number;
  /** Writes the rows as JSON here. */
  readonly json?: string;
  /** Progress lines (to stderr by default). */
  readonly progress?: (line: string) => void;
}

/** Everything a run produced. */
export interface BenchReport {
  readonly machine: string;
  readonly contenders: ContenderInfo[];
  readonly rows: ResultRow[];
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 200);
}

function empty(c: BenchCase, contender: string, note: string): ResultRow {
  return { case: c.label, origin: c.origin, kind: c.kind, flops: flopsOf(c), contender, ms: null, gflops: null, gpuMs: null, repeats: 0, batch: 0, firstMs: null, note };
}

/** Measures every case on one contender. */
async function runContender(k: Contender, o: BenchOptions, inputs: Map<BenchCase, Float32Array[]>, log: (s: string) => void): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  // FLOP/ms seen on this contender, per kind of case, to predict (and skip) runs longer than maxMs
  const rate = new Map<string, number>();
  for (const c of o.cases) {
    const flops = flopsOf(c);
    const known = rate.get(c.kind) ?? (rate.size ? Math.max(...rate.values()) : undefined);
    if (known !== undefined && flops / known > o.maxMs) {
      rows.push(empty(c, k.name, `skipped: predicted ${Math.round(flops / known)} ms per run from earlier cases, over --max-ms ${o.maxMs}`));
      continue;
    }
    log(`  ${k.name}: ${c.label}`);
    try {
      const p = await k.prepare(c, inputs.get(c)!);
      try {
        const m = await measure(p, o.measure);
        rows.push({ case: c.label, origin: c.origin, kind: c.kind, flops, contender: k.name, ms: m.ms, gflops: flops / (m.ms * 1e6), gpuMs: m.gpuMs, repeats: m.repeats, batch: m.batch, firstMs: m.firstMs });
        rate.set(c.kind, flops / m.ms);
      } finally {
        p.dispose();
      }
    } catch (e) {
      rows.push(empty(c, k.name, `failed: ${message(e)}`));
    }
  }
  return rows;
}

/** Runs the benchmark and prints the header, the table and the notes to stdout. */
export async function runBenchmark(o: BenchOptions): Promise<BenchReport> {
  const log = o.progress ?? ((s: string) => process.stderr.write(`${s}\n`));
  const inputs = new Map(o.cases.map((c) => [c, makeInputs(c)]));
  const infos: ContenderInfo[] = [];
  const rows: ResultRow[] = [];
  for (const k of o.contenders) {
    log(`${k.name}: setting up`);
    let description: string;
    try {
      description = await k.setup();
    } catch (e) {
      infos.push({ name: k.name, unavailable: message(e) });
      for (const c of o.cases) rows.push(empty(c, k.name, `unavailable: ${message(e)}`));
      log(`${k.name}: unavailable: ${message(e)}`);
      continue;
    }
    infos.push({ name: k.name, description });
    rows.push(...(await runContender(k, o, inputs, log)));
    await k.close?.();
  }
  const machine = describeMachine();
  const names = o.contenders.map((k) => k.name);
  console.log(`\nKernel benchmark: ${machine}`);
  console.log(renderContenders(infos));
  console.log();
  console.log(renderTable(o.cases.map((c) => c.label), names, rows));
  console.log();
  console.log(renderNotes(rows));
  const report: BenchReport = { machine, contenders: infos, rows };
  if (o.json) writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
