import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Scores of one evaluation. */
export interface DemoScores {
  readonly mmvp: Record<string, number>;
  readonly mmvpAverage: number;
  readonly zeroShot: number;
}

/** One seed's before/after figures and its training curve. */
export interface DemoSeedResult {
  readonly seed: number;
  readonly before: DemoScores;
  readonly after: DemoScores;
  readonly losses: readonly number[];
  readonly seconds: number;
  readonly skippedImages: number;
}

/** Everything the demo measured. */
export interface DemoReport {
  readonly config: Record<string, unknown>;
  readonly seeds: readonly DemoSeedResult[];
  /** Per pattern: mean cosine of the text embeddings of a pair's two statements (see `MmvpResult`). */
  readonly statementSimilarity: Record<string, number>;
  readonly mean: { readonly mmvpBefore: number; readonly mmvpAfter: number; readonly zeroShotBefore: number; readonly zeroShotAfter: number };
  readonly machine: string;
}

const pct = (v: number) => (100 * v).toFixed(1);

/** The before/after table per pattern, with the average and zero-shot accuracy (mean over seeds). */
export function reportTable(r: DemoReport): string {
  const patterns = Object.keys(r.seeds[0]!.before.mmvp);
  const avg = (f: (s: DemoSeedResult) => number) => r.seeds.reduce((a, s) => a + f(s), 0) / r.seeds.length;
  const rows = patterns.map((p) => [p, pct(avg((s) => s.before.mmvp[p]!)), pct(avg((s) => s.after.mmvp[p]!)), r.statementSimilarity[p]?.toFixed(3) ?? ""]);
  rows.push(["MMVP average", pct(r.mean.mmvpBefore), pct(r.mean.mmvpAfter), ""]);
  rows.push(["Zero-shot accuracy", pct(r.mean.zeroShotBefore), pct(r.mean.zeroShotAfter), ""]);
  const w = Math.max(...rows.map((x) => x[0]!.length));
  const line = (a: string, b: string, c: string, d: string) => `| ${a.padEnd(w)} | ${b.padStart(7)} | ${c.padStart(7)} | ${d.padStart(14)} |`;
  const rule = `|${"-".repeat(w + 2)}|${"-".repeat(9)}|${"-".repeat(9)}|${"-".repeat(16)}|`;
  return [line("", "before", "after", "statements cos"), rule, ...rows.map(([a, b, c, d]) => line(a!, b!, c!, d!))].join("\n");
}

/** An SVG line chart of the loss per step (one line per seed). */
export function lossCurveSvg(seeds: readonly DemoSeedResult[]): string {
  const W = 640, H = 320, P = 40;
  const all = seeds.flatMap((s) => s.losses);
  const lo = Math.min(...all), hi = Math.max(...all);
  const n = Math.max(...seeds.map((s) => s.losses.length), 2);
  const x = (i: number) => P + ((W - 2 * P) * i) / (n - 1);
  const y = (v: number) => H - P - ((H - 2 * P) * (v - lo)) / (hi - lo || 1);
  const colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
  const lines = seeds
    .map((s, k) => `<polyline fill="none" stroke="${colours[k % 4]}" stroke-width="1.5" points="${s.losses.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ")}"/><text x="${W - P - 80}" y="${P + 14 * k}" font-size="12" fill="${colours[k % 4]}">seed ${s.seed}</text>`)
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><text x="${P}" y="20" font-size="14">DIVA loss per step</text><line x1="${P}" y1="${H - P}" x2="${W - P}" y2="${H - P}" stroke="black"/><line x1="${P}" y1="${P}" x2="${P}" y2="${H - P}" stroke="black"/><text x="${P - 4}" y="${y(hi) + 4}" font-size="10" text-anchor="end">${hi.toFixed(3)}</text><text x="${P - 4}" y="${y(lo) + 4}" font-size="10" text-anchor="end">${lo.toFixed(3)}</text><text x="${W / 2}" y="${H - 8}" font-size="11">step</text>${lines}</svg>`;
}

/** An SVG bar chart of per-pattern MMVP scores before and after (mean over seeds). */
export function patternBarsSvg(r: DemoReport): string {
  const patterns = Object.keys(r.seeds[0]!.before.mmvp);
  const W = 720, H = 360, P = 50, bw = (W - 2 * P) / patterns.length;
  const avg = (f: (s: DemoSeedResult) => number) => r.seeds.reduce((a, s) => a + f(s), 0) / r.seeds.length;
  const bar = (v: number, i: number, off: number, colour: string) => {
    const h = (H - 2 * P) * v;
    return `<rect x="${(P + i * bw + off).toFixed(1)}" y="${(H - P - h).toFixed(1)}" width="${(bw / 2 - 4).toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}"/>`;
  };
  const bars = patterns
    .map((p, i) => {
      const label = p.split(" ")[0];
      return bar(avg((s) => s.before.mmvp[p]!), i, 2, "#9ecae1") + bar(avg((s) => s.after.mmvp[p]!), i, bw / 2, "#08519c") + `<text x="${(P + i * bw + bw / 2).toFixed(1)}" y="${H - P + 14}" font-size="10" text-anchor="middle">${label}</text>`;
    })
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><text x="${P}" y="22" font-size="14">MMVP per pattern: before (light) and after DIVA (dark)</text><line x1="${P}" y1="${H - P}" x2="${W - P}" y2="${H - P}" stroke="black"/><text x="${P - 6}" y="${P + 4}" font-size="10" text-anchor="end">100%</text><text x="${P - 6}" y="${H - P + 4}" font-size="10" text-anchor="end">0%</text>${bars}</svg>`;
}

/** Writes report.json, report.md and the two SVG plots into `dir`. */
export async function writeReport(dir: string, r: DemoReport): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "report.json"), JSON.stringify(r, null, 2));
  await writeFile(join(dir, "loss.svg"), lossCurveSvg(r.seeds));
  await writeFile(join(dir, "mmvp-patterns.svg"), patternBarsSvg(r));
  const perSeed = r.seeds
    .map((s) => `| ${s.seed} | ${pct(s.before.mmvpAverage)} | ${pct(s.after.mmvpAverage)} | ${pct(s.before.zeroShot)} | ${pct(s.after.zeroShot)} | ${s.seconds.toFixed(0)} s |`)
    .join("\n");
  const md = `# DIVA demo report

Machine: ${r.machine}

Configuration: \`${JSON.stringify(r.config)}\`

## Before and after (mean over ${r.seeds.length} seed${r.seeds.length > 1 ? "s" : ""})

${reportTable(r)}

"statements cos": mean cosine similarity between the text embeddings of a pair's two statements. Near 1, the
frozen text tower hardly tells the statements apart, so both pick the same image and the pair stays unsolved
whatever DIVA does to the image tower.

## Per seed

| seed | MMVP before | MMVP after | zero-shot before | zero-shot after | training time |
|---|---|---|---|---|---|
${perSeed}

![loss](loss.svg)

![per-pattern scores](mmvp-patterns.svg)
`;
  await writeFile(join(dir, "report.md"), md);
}
