import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Criterion, Endpoint, Endpoints } from "./experiment/endpoints.js";
import type { ProbeHeadResult } from "./experiment/ridge-probe.js";
import { lossCurveSvg, patternBarsSvg, type LossSeries } from "./plots.js";

/** Scores of one evaluation. */
export interface DemoScores {
  /** MMVP-VLM per pattern and the pattern mean, in [0, 1]. */
  readonly mmvp: Record<string, number>;
  readonly mmvpAverage: number;
  readonly zeroShot: number;
  /** The linear probe's held-out accuracy (mean over heads) and per head. */
  readonly probe: number;
  readonly probeHeads: Record<string, ProbeHeadResult>;
}

/** Mean per-image held-out DIVA loss with each image's own condition and with another image's. */
interface HeldOutLossMeans {
  readonly own: number;
  readonly other: number;
}

/** One trained arm (DIVA or placebo) of one seed. */
export interface DemoArmResult {
  readonly scores: DemoScores;
  /** Training loss per step. */
  readonly losses: readonly number[];
  readonly heldOut: HeldOutLossMeans;
  /** 1 when the MMVP pair was solved, per pair in benchmark order. */
  readonly mmvpPairs: readonly number[];
  readonly seconds: number;
  readonly skippedImages: number;
}

/** One seed: DIVA and the placebo, trained from the same start on the same data and noise. */
export interface DemoSeedResult {
  readonly seed: number;
  readonly diva: DemoArmResult;
  readonly placebo: DemoArmResult;
  /** Held-out loss before training (the seed's initial projection). */
  readonly heldOutBefore: HeldOutLossMeans;
}

/** An instrument check (computed by the instrument module; reported beside the endpoints). */
export interface InstrumentCheck {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

/** Everything the demo measured. */
export interface DemoReport {
  /** World seed, split, seeds, recipe, set sizes, model hashes, precision and analysis settings. */
  readonly config: Record<string, unknown>;
  /** The verdict in words (primary endpoint). */
  readonly verdict: string;
  readonly criteria: readonly Criterion[];
  readonly endpoints: Endpoints;
  /** The shipped CLIP, scored once (the before arm). */
  readonly before: DemoScores;
  readonly beforeMmvpPairs: readonly number[];
  readonly seeds: readonly DemoSeedResult[];
  /** Per pattern: mean cosine of the text embeddings of a pair's two statements (see `MmvpResult`). */
  readonly statementSimilarity: Record<string, number>;
  /** Instrument checks, when the run computed them. */
  readonly instruments?: readonly InstrumentCheck[];
  readonly machine: string;
}

const pct = (v: number) => (100 * v).toFixed(1);
const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);

/** Markdown table from a header and rows (first column left-aligned, the others right-aligned). */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(" | ")} |`;
  return [line(header), `|${w.map((x, i) => (i === 0 ? "-".repeat(x + 2) : "-".repeat(x + 1) + ":")).join("|")}|`, ...rows.map(line)].join("\n");
}

/** The before / DIVA / placebo table per pattern, with the MMVP average, zero-shot and probe accuracy (mean over seeds). */
export function reportTable(r: DemoReport): string {
  const patterns = Object.keys(r.before.mmvp);
  const arm = (f: (s: DemoScores) => number, which: "diva" | "placebo") => mean(r.seeds.map((s) => f(s[which].scores)));
  const row = (name: string, f: (s: DemoScores) => number, cos = "") => [name, pct(f(r.before)), pct(arm(f, "diva")), pct(arm(f, "placebo")), cos];
  return table(
    ["", "before", "DIVA", "placebo", "statements cos"],
    [
      ...patterns.map((p) => row(p, (s) => s.mmvp[p]!, r.statementSimilarity[p]?.toFixed(3) ?? "")),
      row("MMVP average", (s) => s.mmvpAverage),
      row("Zero-shot accuracy", (s) => s.zeroShot),
      row("Probe accuracy (mean over heads)", (s) => s.probe),
    ],
  );
}

/** Points with one decimal; losses (tiny differences) with three significant digits. */
const fmtEndpoint = (e: Endpoint, f: (v: number) => string) => [e.label, f(e.estimate), `${f(e.low)} .. ${f(e.high)}`];
const points = (v: number) => v.toFixed(1);
const lossDiff = (v: number) => (v === 0 ? "0" : v.toPrecision(3));

/** The endpoints table: estimate and interval of every difference. */
function endpointsTable(e: Endpoints): string {
  const level = `${Math.round(e.method.level * 100)}% CI`;
  return [
    "Accuracies in points (percent), mean over seeds:",
    "",
    table(["endpoint", "estimate", level], [...e.mmvp, ...e.probe, ...e.zeroShot].map((x) => fmtEndpoint(x, points))),
    "",
    "Held-out DIVA loss (noise MSE), fixed noise and timesteps, mean over images and seeds:",
    "",
    table(["mechanism", "estimate", level], e.mechanism.map((x) => fmtEndpoint(x, lossDiff))),
  ].join("\n");
}

function probeTable(r: DemoReport): string {
  const heads = Object.keys(r.before.probeHeads);
  const arm = (h: string, which: "diva" | "placebo") => pct(mean(r.seeds.map((s) => s[which].scores.probeHeads[h]?.accuracy ?? 0)));
  return table(
    ["head", "held-out images", "majority class", "before", "DIVA", "placebo"],
    heads.map((h) => [h, String(r.before.probeHeads[h]!.count), pct(r.before.probeHeads[h]!.majority), pct(r.before.probeHeads[h]!.accuracy), arm(h, "diva"), arm(h, "placebo")]),
  );
}

function mechanismTable(r: DemoReport): string {
  const m = (f: (s: DemoSeedResult) => HeldOutLossMeans) => ({ own: mean(r.seeds.map((s) => f(s).own)), other: mean(r.seeds.map((s) => f(s).other)) });
  const rows: [string, HeldOutLossMeans][] = [["before", m((s) => s.heldOutBefore)], ["after DIVA", m((s) => s.diva.heldOut)], ["after placebo", m((s) => s.placebo.heldOut)]];
  return table(["held-out loss", "own condition", "another image's condition", "own - other"], rows.map(([n, v]) => [n, v.own.toFixed(6), v.other.toFixed(6), lossDiff(v.own - v.other)]));
}

/** The loss curves of every seed: DIVA solid, placebo dashed, one colour per seed. */
function lossSeries(r: DemoReport): LossSeries[] {
  return r.seeds.flatMap((s, k) => [
    { label: `DIVA seed ${s.seed}`, losses: s.diva.losses, group: k },
    { label: `placebo seed ${s.seed}`, losses: s.placebo.losses, dashed: true, group: k },
  ]);
}

/** report.md. */
function reportMarkdown(r: DemoReport): string {
  const c = r.config as { worldSeed?: unknown; split?: unknown; seeds?: unknown };
  const perSeed = table(
    ["seed", "MMVP DIVA", "MMVP placebo", "zero-shot DIVA", "zero-shot placebo", "probe DIVA", "probe placebo", "DIVA time", "placebo time"],
    r.seeds.map((s) => [String(s.seed), pct(s.diva.scores.mmvpAverage), pct(s.placebo.scores.mmvpAverage), pct(s.diva.scores.zeroShot), pct(s.placebo.scores.zeroShot), pct(s.diva.scores.probe), pct(s.placebo.scores.probe), `${s.diva.seconds.toFixed(0)} s`, `${s.placebo.seconds.toFixed(0)} s`]),
  );
  const checks = [...r.criteria.map((x) => `- [${x.passed ? "x" : " "}] ${x.name}: ${x.detail}`), ...(r.instruments ?? []).map((x) => `- [${x.passed ? "x" : " "}] instrument: ${x.name}: ${x.detail}`)];
  return `# DIVA demo report

**${r.verdict}**

World seed ${String(c.worldSeed)} (${String(c.split)}), seeds ${JSON.stringify(c.seeds)}; ${r.machine}.

Pre-registered criteria${r.instruments ? " and instrument checks" : " (instrument checks: not computed in this run)"}:

${checks.join("\n")}

## Endpoints (${Math.round(r.endpoints.method.level * 100)}% CI: paired percentile bootstrap, ${r.endpoints.method.resamples} resamples, seed ${r.endpoints.method.seed}${r.endpoints.method.seedsResampled ? ", seeds resampled too" : ""})

${endpointsTable(r.endpoints)}

The placebo is the same training (steps, data, lr, seeds, noise) with each image conditioned on the CLIP tokens of
the next image of its micro-batch, so the diffusion loss cannot reward image-specific detail. The primary endpoint
is the MMVP-VLM mean, DIVA minus placebo.

## Before, DIVA and placebo (mean over ${r.seeds.length} seed${r.seeds.length > 1 ? "s" : ""})

${reportTable(r)}

"statements cos": mean cosine similarity between the text embeddings of a pair's two statements. Near 1, the
frozen text tower hardly tells the statements apart, so both pick the same image and the pair stays unsolved
whatever DIVA does to the image tower.

## Linear probe on frozen CLIP tokens (held-out accuracy per head)

${probeTable(r)}

## Mechanism: DIVA's loss on held-out images (mean over seeds)

${mechanismTable(r)}

If DIVA taught the condition image-specific detail, the loss falls from before to after DIVA and, after DIVA,
an image's own condition gives a lower loss than another image's.

## Per seed

${perSeed}

![training loss](loss.svg)

![per-pattern scores](mmvp-patterns.svg)

## Configuration

\`\`\`json
${JSON.stringify(r.config, null, 2)}
\`\`\`
`;
}

/** Writes report.json, report.md and the two SVG plots into `dir`. */
export async function writeReport(dir: string, r: DemoReport): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "report.json"), JSON.stringify(r, null, 2));
  await writeFile(join(dir, "loss.svg"), lossCurveSvg(lossSeries(r)));
  const patterns = Object.keys(r.before.mmvp);
  const armMeans = (which: "diva" | "placebo") => Object.fromEntries(patterns.map((p) => [p, mean(r.seeds.map((s) => s[which].scores.mmvp[p]!))]));
  await writeFile(
    join(dir, "mmvp-patterns.svg"),
    patternBarsSvg(patterns, [
      { label: "before", colour: "#9ecae1", values: r.before.mmvp },
      { label: "DIVA", colour: "#08519c", values: armMeans("diva") },
      { label: "placebo", colour: "#bdbdbd", values: armMeans("placebo") },
    ]),
  );
  await writeFile(join(dir, "report.md"), reportMarkdown(r));
}
