/**
 * Command-line options of the kernel benchmark.
 */
import { CASES, type BenchCase } from "./cases.js";
import { FULL, QUICK, type MeasureOptions } from "./measure.js";

/** Parsed options. */
export interface BenchArgs {
  readonly quick: boolean;
  readonly json: string | undefined;
  /** Contender name filters (substrings, e.g. "diva", "tfjs webgpu"); undefined runs all. */
  readonly only: string[] | undefined;
  readonly cases: BenchCase[];
  readonly measure: MeasureOptions;
  readonly maxMs: number;
}

/** Usage text. */
export const USAGE = `usage: npm run bench -- [--quick] [--json PATH] [--only diva,tfjs,jax-js webgpu] [--cases matmul,softmax] [--max-ms N]
  --quick     the short case list and shorter timing
  --json      also write the rows as JSON to PATH
  --only      contenders whose name contains one of these (comma-separated)
  --cases     cases whose label contains one of these (comma-separated)
  --max-ms    skip a case when a contender's earlier rates predict a run longer than this (default 30000, quick 5000)`;

/** Parses `argv` (without the node and script paths). */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value\n${USAGE}`);
    return v;
  };
  const known = new Set(["--quick", "--json", "--only", "--cases", "--max-ms", "--help"]);
  for (const a of argv) if (a.startsWith("--") && !known.has(a)) throw new Error(`unknown option ${a}\n${USAGE}`);
  const quick = argv.includes("--quick");
  const list = (flag: string) => value(flag)?.split(",").map((s) => s.trim()).filter(Boolean);
  const caseFilter = list("--cases");
  const cases = CASES.filter((c) => (caseFilter ? caseFilter.some((f) => c.label.includes(f)) : !quick || c.quick));
  return {
    quick,
    json: value("--json"),
    only: list("--only"),
    cases,
    measure: quick ? QUICK : FULL,
    maxMs: Number(value("--max-ms") ?? (quick ? 5000 : 30000)),
  };
}
