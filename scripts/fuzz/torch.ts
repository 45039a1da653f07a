/**
 * Fuzzes the PyTorch checkpoint reader (readTorchCheckpoint) with seeded malformed and malicious files (see
 * torch-cases.ts) and classifies every load (see torch-run.ts). By default the cases run in child processes
 * with `--max-old-space-size=1024` and a per-case timeout, so that a crash, a hang or an OOM is attributed to
 * its case and the run goes on with the next one; a case that pushes the child's peak RSS to 1 GiB counts as
 * an OOM too.
 *
 *   node --conditions=source --import tsx scripts/fuzz/torch.ts --seed 1 --count 500
 *     [--timeout-ms 10000] [--batch 100] [--case N] [--in-process]
 *
 * Prints a table of outcomes by mutation family and the peak RSS; exits 1 when any case crashed, timed out,
 * ran out of memory, threw a raw (non-TorchCheckpointError) error or was silently misread.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { flagValue, runFuzzChild, stderrTail, type FuzzRunOptions } from "./harness.js";
import { KINDS, makeTorchCase } from "./torch-cases.js";
import { BAD_OUTCOMES, runTorchCase, type CaseResult, type Outcome } from "./torch-run.js";

/** Options of {@link fuzzTorch}; `batch` defaults to 100. */
export interface FuzzTorchOptions extends FuzzRunOptions {
  /** Smaller bombs (see torch-cases.ts), for quick in-process runs. */
  readonly light?: boolean;
}

/** What {@link fuzzTorch} found. */
export interface FuzzTorchReport {
  readonly seed: number;
  /** Every case's outcome, in index order. */
  readonly results: readonly CaseResult[];
  readonly counts: Readonly<Record<Outcome, number>>;
  /** Cases with a bad outcome (crash, timeout, oom, raw-error, misread). */
  readonly bad: readonly CaseResult[];
  /** Peak resident set size of the processes that loaded the cases, in KiB. */
  readonly peakRssKb: number;
  readonly slowest: CaseResult | undefined;
  readonly wallMs: number;
}

/** Outcomes in table order. */
export const OUTCOMES: readonly Outcome[] = ["loaded-same", "loaded-changed", "clean-error", "raw-error", "misread", "crash", "timeout", "oom"];

const CHILD = fileURLToPath(new URL("./torch-child.ts", import.meta.url));
const RSS_LIMIT_KB = 1024 * 1024;

/** Runs `indices` of `seed` in one child; resolves with the results it reported and the index it died on, if any. */
async function runChild(seed: number, dir: string, indices: readonly number[], timeoutMs: number, onResult: (r: CaseResult) => void): Promise<{ died?: CaseResult }> {
  const exit = await runFuzzChild([CHILD, String(seed), dir, indices.join(",")], timeoutMs, (json) => {
    const r = JSON.parse(json) as CaseResult;
    onResult((r.rssKb ?? 0) >= RSS_LIMIT_KB ? { ...r, outcome: "oom", message: `peak RSS ${r.rssKb} KiB` } : r);
  });
  const { code, signal, timedOut, inFlight, stderr } = exit;
  if (!inFlight) {
    if (code !== 0) process.stderr.write(`torch fuzz child exited with ${code ?? signal} between cases:\n${stderr}\n`);
    return {};
  }
  const c = makeTorchCase(seed, inFlight.index);
  const oom = /heap out of memory|Allocation failed|Reached heap limit|invalid array length|ENOMEM/i.test(stderr);
  const outcome: Outcome = timedOut ? "timeout" : oom ? "oom" : "crash";
  const message = timedOut ? `no result after ${timeoutMs} ms` : `child exited with ${code ?? signal}: ${stderrTail(stderr).slice(0, 300)}`;
  return { died: { index: c.index, kind: c.kind, detail: c.detail, outcome, message, ms: inFlight.ms } };
}

function summarize(seed: number, results: CaseResult[], peakRssKb: number, t0: number): FuzzTorchReport {
  results.sort((a, b) => a.index - b.index);
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of results) counts[r.outcome]++;
  const slowest = results.reduce<CaseResult | undefined>((m, r) => (!m || r.ms > m.ms ? r : m), undefined);
  return { seed, results, counts, bad: results.filter((r) => BAD_OUTCOMES.has(r.outcome)), peakRssKb, slowest, wallMs: performance.now() - t0 };
}

/** Runs the seeded cases and classifies each (see the file comment). */
export async function fuzzTorch(options: FuzzTorchOptions): Promise<FuzzTorchReport> {
  const t0 = performance.now();
  const { seed, count, timeoutMs = 10_000, batch = 100, log = () => {} } = options;
  const indices = options.only ?? Array.from({ length: count }, (_, i) => i);
  const results: CaseResult[] = [];
  let peakRssKb = 0;
  if (options.inProcess) {
    for (const i of indices) {
      const r = await runTorchCase(makeTorchCase(seed, i, { light: options.light }));
      const rssKb = process.resourceUsage().maxRSS;
      peakRssKb = Math.max(peakRssKb, rssKb);
      results.push(r.ms > timeoutMs ? { ...r, outcome: "timeout", rssKb } : { ...r, rssKb });
    }
    return summarize(seed, results, peakRssKb, t0);
  }
  const dir = await mkdtemp(join(tmpdir(), "torch-fuzz-"));
  try {
    let todo = [...indices];
    while (todo.length > 0) {
      const chunk = todo.slice(0, batch);
      const done = new Set<number>();
      const { died } = await runChild(seed, dir, chunk, timeoutMs, (r) => {
        done.add(r.index);
        peakRssKb = Math.max(peakRssKb, r.rssKb ?? 0);
        results.push(r);
      });
      if (died) {
        done.add(died.index);
        results.push(died);
        log(`case ${died.index} (${died.kind}): ${died.outcome}: ${died.message}`);
      }
      todo = todo.filter((i) => !done.has(i));
      // A child that exited between cases without finishing its chunk would loop forever; record the rest.
      if (!died && chunk.some((i) => !done.has(i))) {
        for (const i of chunk.filter((x) => !done.has(x))) {
          const c = makeTorchCase(seed, i);
          results.push({ index: i, kind: c.kind, detail: c.detail, outcome: "crash", message: "child ended before this case", ms: 0 });
        }
        todo = todo.filter((i) => !chunk.includes(i));
      }
      log(`${results.length}/${indices.length} cases`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return summarize(seed, results, peakRssKb, t0);
}

/** The report as a text table: outcomes by mutation family, totals, peak RSS, the slowest case, bad cases. */
export function formatReport(r: FuzzTorchReport): string {
  const kinds = [...KINDS.map(([k]) => k)];
  const short: Record<Outcome, string> = { "loaded-same": "same", "loaded-changed": "changed", "clean-error": "error", "raw-error": "raw-err", misread: "misread", crash: "crash", timeout: "timeout", oom: "oom" };
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  const lines = [`torch fuzz: seed ${r.seed}, ${r.results.length} cases, ${(r.wallMs / 1000).toFixed(1)} s`, `${"kind".padEnd(15)}${pad("cases", 7)}${OUTCOMES.map((o) => pad(short[o], 9)).join("")}`];
  for (const k of kinds) {
    const rs = r.results.filter((x) => x.kind === k);
    if (rs.length === 0) continue;
    lines.push(`${k.padEnd(15)}${pad(rs.length, 7)}${OUTCOMES.map((o) => pad(rs.filter((x) => x.outcome === o).length, 9)).join("")}`);
  }
  lines.push(`${"total".padEnd(15)}${pad(r.results.length, 7)}${OUTCOMES.map((o) => pad(r.counts[o], 9)).join("")}`);
  const peakAt = r.results.find((x) => x.rssKb === r.peakRssKb);
  lines.push(`peak RSS ${(r.peakRssKb / 1024).toFixed(0)} MiB${peakAt ? ` (reached at case ${peakAt.index}, ${peakAt.kind}: ${peakAt.detail.slice(0, 60)})` : ""}; slowest case ${r.slowest ? `${r.slowest.index} (${r.slowest.kind}: ${r.slowest.detail.slice(0, 80)}) ${r.slowest.ms.toFixed(0)} ms` : "-"}`);
  for (const b of r.bad) lines.push(`BAD case ${b.index} ${b.kind} ${b.outcome}: ${b.detail.slice(0, 120)} :: ${b.message ?? ""}`);
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const one = flagValue(args, "--case");
  const report = await fuzzTorch({
    seed: Number(flagValue(args, "--seed") ?? 1),
    count: Number(flagValue(args, "--count") ?? 500),
    timeoutMs: Number(flagValue(args, "--timeout-ms") ?? 10_000),
    batch: Number(flagValue(args, "--batch") ?? 100),
    inProcess: args.includes("--in-process"),
    only: one === undefined ? undefined : [Number(one)],
    log: (line) => process.stderr.write(`${line}\n`),
  });
  console.log(formatReport(report));
  process.exitCode = report.bad.length > 0 ? 1 : 0;
}
