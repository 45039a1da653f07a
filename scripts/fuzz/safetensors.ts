/**
 * Fuzzes the safetensors reader with seeded malformed files (mutations of valid files made by our writer, see
 * safetensors-cases.ts) and classifies every load (see safetensors-run.ts). By default each batch of cases runs
 * in a child process with `--max-old-space-size=1024` and a per-case timeout, so a crash, a hang or an OOM is
 * attributed to its case and the run goes on with the next one.
 *
 *   node --conditions=source --import tsx scripts/fuzz/safetensors.ts --seed 1 --count 2000
 *     [--timeout-ms 10000] [--batch 250] [--case N] [--in-process] [--max-big BYTES]
 *
 * Exits 1 when any case crashed, timed out, ran out of memory, threw a raw error or was silently misread, or
 * when a child's peak RSS reached 1 GiB.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { flagValue, runFuzzChild, stderrTail, type FuzzRunOptions } from "./harness.js";
import { basePath, casePaths, KINDS, makeBaseFiles, makeCase } from "./safetensors-cases.js";
import { oracleDecode, type OracleFile } from "./safetensors-oracle.js";
import { BAD_OUTCOMES, runCase, type CaseResult, type Outcome } from "./safetensors-run.js";

/** Options of {@link fuzzSafetensors}; `batch` defaults to 250. */
export interface FuzzSafetensorsOptions extends FuzzRunOptions {
  /** Largest generated header in bytes (default 64 MiB, the 99 MB padding case aside). */
  readonly maxBig?: number;
}

/** What {@link fuzzSafetensors} found. */
export interface FuzzSafetensorsReport {
  readonly seed: number;
  readonly cases: number;
  readonly counts: Readonly<Record<Outcome, number>>;
  readonly byKind: Readonly<Record<string, Readonly<Partial<Record<Outcome, number>>>>>;
  /** Cases with a bad outcome (crash, timeout, oom, raw-error, misread). */
  readonly bad: readonly CaseResult[];
  /** A few header mutations that produced another valid file (for the report). */
  readonly otherValid: readonly CaseResult[];
  /** Peak resident set size of the processes that loaded the cases, in KiB (maxRSS). */
  readonly peakRssKb: number;
  /** The case with the longest wall time (load and checks). */
  readonly slowest: CaseResult | undefined;
  /** The case with the longest readSafetensors time alone. */
  readonly slowestLoad: CaseResult | undefined;
  /** The case that used the most CPU time. */
  readonly mostCpu: CaseResult | undefined;
  readonly wallMs: number;
}

const OUTCOMES: readonly Outcome[] = [
  "loaded-same",
  "loaded-data-changed",
  "loaded-other-valid",
  "clean-error",
  "raw-error",
  "misread",
  "crash",
  "timeout",
  "oom",
];

const CHILD = fileURLToPath(new URL("./safetensors-child.ts", import.meta.url));

/** Runs `count` seeded cases and returns the counts; see the file comment. */
export async function fuzzSafetensors(options: FuzzSafetensorsOptions): Promise<FuzzSafetensorsReport> {
  const t0 = performance.now();
  const { seed, count, timeoutMs = 10_000, batch = 250, maxBig = 64 << 20, log = () => {} } = options;
  const indices = options.only ?? Array.from({ length: count }, (_, i) => i);
  const bases = await makeBaseFiles(seed);
  const dir = await mkdtemp(join(tmpdir(), "diva-fuzz-safetensors-"));
  const results: CaseResult[] = [];
  let peakRssKb = 0;
  try {
    for (let k = 0; k < bases.length; k++) await writeFile(basePath(dir, k), bases[k]!);
    if (options.inProcess) {
      const originals = bases.map((b) => oracleDecode(b) as OracleFile);
      for (const i of indices) {
        const c = makeCase(seed, i, bases, maxBig);
        const path = i % 2 === 1 ? casePaths(dir, i).bytes : undefined;
        if (path) await writeFile(path, c.bytes);
        const r = await runCase(c, originals[c.base]!, path);
        results.push(r.ms > timeoutMs ? { ...r, outcome: "timeout", note: `took ${r.ms} ms` } : r);
        if (path) await rm(path, { force: true });
      }
      peakRssKb = process.resourceUsage().maxRSS;
    } else {
      for (let at = 0; at < indices.length; at += batch) {
        const part = indices.slice(at, at + batch);
        const metas = new Map<number, { kind: string; detail: string }>();
        for (const i of part) {
          const c = makeCase(seed, i, bases, maxBig);
          const paths = casePaths(dir, i);
          await writeFile(paths.bytes, c.bytes);
          const { bytes: _bytes, ...meta } = c;
          await writeFile(paths.meta, JSON.stringify(meta));
          metas.set(i, { kind: c.kind, detail: c.detail });
        }
        peakRssKb = Math.max(peakRssKb, await runBatch(dir, part, metas, timeoutMs, results));
        for (const i of part) {
          const paths = casePaths(dir, i);
          await rm(paths.bytes, { force: true });
          await rm(paths.meta, { force: true });
        }
        log(`safetensors fuzz: ${Math.min(at + batch, indices.length)}/${indices.length} cases, ${Math.round((performance.now() - t0) / 1000)} s`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return summarize(seed, results, peakRssKb, performance.now() - t0);
}

/**
 * Runs the cases `part` (written to `dir`) in child processes, one after another,
 * restarting after a case that kills its child. Appends to `results`; returns the children's peak RSS (KiB).
 */
async function runBatch(
  dir: string,
  part: readonly number[],
  metas: ReadonlyMap<number, { kind: string; detail: string }>,
  timeoutMs: number,
  results: CaseResult[],
): Promise<number> {
  let peak = 0;
  let next = 0;
  while (next < part.length) {
    const run = await runChild(dir, part.slice(next), timeoutMs);
    for (const r of run.results) results.push(r);
    peak = Math.max(peak, run.peakRssKb);
    next += run.results.length;
    if (run.failed) {
      const meta = metas.get(run.failed.index)!;
      const { index, outcome, note, ms } = run.failed;
      results.push({ index, ...meta, outcome, note, ms, loadMs: ms, cpuMs: Number.NaN });
      next++;
    } else if (run.results.length === 0 && next < part.length) {
      throw new Error(`safetensors fuzz: a child process for cases from ${part[next]} ended without running any`);
    }
  }
  return peak;
}

interface ChildRun {
  results: CaseResult[];
  peakRssKb: number;
  /** The case in flight when the child died or was killed. */
  failed?: { index: number; outcome: Outcome; note: string; ms: number };
}

async function runChild(dir: string, indices: readonly number[], timeoutMs: number): Promise<ChildRun> {
  const run: ChildRun = { results: [], peakRssKb: 0 };
  const exit = await runFuzzChild([CHILD, dir, indices.join(",")], timeoutMs, (json) => {
    const { rssKb, ...result } = JSON.parse(json) as CaseResult & { rssKb: number };
    run.results.push(result);
    run.peakRssKb = Math.max(run.peakRssKb, rssKb);
  });
  const { ended, code, signal, timedOut, inFlight, stderr } = exit;
  if (ended && code === 0) return run;
  if (!inFlight) throw new Error(`safetensors fuzz: child exited (code ${code}, signal ${signal}) between cases: ${stderr.slice(-1000)}`);
  const oom = /heap out of memory|Reached heap limit|Allocation failed|ERR_MEMORY_ALLOCATION/i.test(stderr);
  const outcome: Outcome = timedOut ? "timeout" : oom ? "oom" : "crash";
  const why = timedOut ? `killed after ${timeoutMs} ms` : `exit code ${code}, signal ${signal}`;
  run.failed = { index: inFlight.index, outcome, note: `${why}: ${stderrTail(stderr)}`, ms: Math.round(inFlight.ms) };
  return run;
}

function summarize(seed: number, results: readonly CaseResult[], peakRssKb: number, wallMs: number): FuzzSafetensorsReport {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const byKind: Record<string, Partial<Record<Outcome, number>>> = {};
  for (const r of results) {
    counts[r.outcome]++;
    const k = (byKind[r.kind] ??= {});
    k[r.outcome] = (k[r.outcome] ?? 0) + 1;
  }
  const bad = results.filter((r) => BAD_OUTCOMES.includes(r.outcome));
  const otherValid = results.filter((r) => r.outcome === "loaded-other-valid").slice(0, 8);
  const slowest = results.reduce<CaseResult | undefined>((a, r) => (!a || r.ms > a.ms ? r : a), undefined);
  const slowestLoad = results.reduce<CaseResult | undefined>((a, r) => (!a || r.loadMs > a.loadMs ? r : a), undefined);
  const mostCpu = results.reduce<CaseResult | undefined>((a, r) => (!a || r.cpuMs > a.cpuMs ? r : a), undefined);
  return { seed, cases: results.length, counts, byKind, bad, otherValid, peakRssKb, slowest, slowestLoad, mostCpu, wallMs };
}

/** The report as text: the outcome counts, a kind x outcome table, peak RSS, the slowest case, bad cases. */
export function formatReport(r: FuzzSafetensorsReport): string {
  const short: Record<Outcome, string> = {
    "loaded-same": "same",
    "loaded-data-changed": "data-chg",
    "loaded-other-valid": "other-ok",
    "clean-error": "error",
    "raw-error": "raw-err",
    misread: "misread",
    crash: "crash",
    timeout: "timeout",
    oom: "oom",
  };
  const lines = [`seed ${r.seed}: ${r.cases} cases in ${(r.wallMs / 1000).toFixed(1)} s`, "", "outcome               count"];
  for (const o of OUTCOMES) lines.push(`${o.padEnd(20)} ${String(r.counts[o]).padStart(6)}`);
  lines.push("", `${"kind".padEnd(14)}${OUTCOMES.map((o) => short[o].padStart(9)).join("")}`);
  for (const kind of KINDS) {
    const row = r.byKind[kind];
    if (!row) continue;
    lines.push(`${kind.padEnd(14)}${OUTCOMES.map((o) => String(row[o] ?? 0).padStart(9)).join("")}`);
  }
  lines.push("", `peak RSS of the loading processes: ${(r.peakRssKb / 1024).toFixed(0)} MiB`);
  const w = r.slowest;
  if (w) lines.push(`slowest case: #${w.index} ${w.kind} (${w.detail}) ${w.ms} ms wall, ${w.cpuMs} ms CPU`);
  const s = r.slowestLoad;
  if (s) lines.push(`slowest readSafetensors: #${s.index} ${s.kind} (${s.detail}) ${s.loadMs} ms wall (${s.outcome})`);
  const c = r.mostCpu;
  if (c) lines.push(`most CPU: #${c.index} ${c.kind} (${c.detail}) ${c.cpuMs} ms CPU, ${c.ms} ms wall`);
  for (const c of r.otherValid.slice(0, 5)) lines.push(`other valid file: #${c.index} ${c.kind} ${c.detail}: ${c.note}`);
  for (const c of r.bad.slice(0, 30)) lines.push(`BAD #${c.index} ${c.kind} (${c.detail}): ${c.outcome}: ${c.note}`);
  return lines.join("\n");
}

/** True when the report meets the goals: no bad outcome and a peak RSS under 1 GiB. */
export function reportPasses(r: FuzzSafetensorsReport): boolean {
  return r.bad.length === 0 && r.peakRssKb < 1024 * 1024;
}

async function cli(argv: readonly string[]): Promise<number> {
  const value = (flag: string) => flagValue(argv, flag);
  const seed = Number(value("--seed") ?? 1);
  const count = Number(value("--count") ?? 2000);
  const only = value("--case") === undefined ? undefined : [Number(value("--case"))];
  const numbers = [seed, count, ...(only ?? [])];
  if (numbers.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    console.error("usage: safetensors.ts [--seed N] [--count N] [--case N] [--timeout-ms MS] [--batch N] [--max-big BYTES] [--in-process]");
    return 2;
  }
  const report = await fuzzSafetensors({
    seed,
    count,
    only,
    timeoutMs: Number(value("--timeout-ms") ?? 10_000),
    batch: Number(value("--batch") ?? 250),
    maxBig: Number(value("--max-big") ?? 64 << 20),
    inProcess: argv.includes("--in-process"),
    log: (line) => console.error(line),
  });
  console.log(formatReport(report));
  return reportPasses(report) ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await cli(process.argv.slice(2));
