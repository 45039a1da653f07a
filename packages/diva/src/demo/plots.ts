/** The demo report's SVG plots: the training-loss curves (smoothed, with axes and ticks) and per-pattern bars. */

/** Trailing moving average over `window` values (the first values average what there is so far). */
export function movingAverage(values: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1) throw new Error(`movingAverage: window must be a positive integer, got ${window}`);
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= window) sum -= values[i - window]!;
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}

/** About `count` round tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  // the round step whose tick count comes nearest to `count`
  const step = [1, 2, 5, 10].map((m) => m * mag).reduce((best, s) => (Math.abs((hi - lo) / s - count) < Math.abs((hi - lo) / best - count) - 1e-9 ? s : best));
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Tick label with as many decimals as the step needs. */
function tickLabel(v: number, step: number): string {
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step || 1))));
  return v.toFixed(decimals);
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** One training-loss series of the plot. */
export interface LossSeries {
  readonly label: string;
  readonly losses: readonly number[];
  /** Drawn dashed (the placebo). */
  readonly dashed?: boolean;
  /** Series with the same group share a colour (one colour per seed). */
  readonly group: number;
}

/**
 * An SVG line chart of loss per step: each series raw (faint) and as a moving average over `window` steps
 * (default about a fifteenth of the run), with x and y axes, ticks, tick labels and axis titles.
 */
export function lossCurveSvg(series: readonly LossSeries[], options: { readonly window?: number; readonly title?: string } = {}): string {
  const W = 720, H = 380, L = 70, R = 160, T = 40, B = 50;
  const n = Math.max(2, ...series.map((s) => s.losses.length));
  const window = options.window ?? Math.max(1, Math.round(n / 15));
  const all = series.flatMap((s) => s.losses).filter(Number.isFinite);
  const lo0 = all.length ? Math.min(...all) : 0, hi0 = all.length ? Math.max(...all) : 1;
  const pad = (hi0 - lo0) * 0.05 || Math.abs(hi0) * 0.05 || 1;
  const yTicks = niceTicks(lo0 - pad, hi0 + pad, 5);
  const lo = Math.min(lo0 - pad, yTicks[0] ?? lo0), hi = Math.max(hi0 + pad, yTicks[yTicks.length - 1] ?? hi0);
  const x = (step: number) => L + ((W - L - R) * (step - 1)) / Math.max(1, n - 1);
  const y = (v: number) => H - B - ((H - T - B) * (v - lo)) / (hi - lo || 1);
  const colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
  const path = (v: readonly number[]) => v.map((u, i) => `${x(i + 1).toFixed(1)},${y(u).toFixed(1)}`).join(" ");
  const xTicks = niceTicks(1, n, 6).filter((t) => Number.isInteger(t) && t >= 1);
  const yStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 1;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${L}" y="22" font-size="14">${esc(options.title ?? `DIVA training loss per step (faint: raw; bold: moving average over ${window} steps)`)}</text>`,
  ];
  for (const t of yTicks) {
    parts.push(`<line x1="${L}" y1="${y(t).toFixed(1)}" x2="${W - R}" y2="${y(t).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<line x1="${L - 5}" y1="${y(t).toFixed(1)}" x2="${L}" y2="${y(t).toFixed(1)}" stroke="black"/>`);
    parts.push(`<text x="${L - 8}" y="${(y(t) + 4).toFixed(1)}" font-size="11" text-anchor="end">${tickLabel(t, yStep)}</text>`);
  }
  for (const t of xTicks) {
    parts.push(`<line x1="${x(t).toFixed(1)}" y1="${H - B}" x2="${x(t).toFixed(1)}" y2="${H - B + 5}" stroke="black"/>`);
    parts.push(`<text x="${x(t).toFixed(1)}" y="${H - B + 18}" font-size="11" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`);
  parts.push(`<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" font-size="12" text-anchor="middle">optimizer step</text>`);
  parts.push(`<text x="16" y="${(T + H - B) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${(T + H - B) / 2})">loss (noise MSE)</text>`);
  series.forEach((s, k) => {
    const c = colours[s.group % colours.length]!;
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    parts.push(`<polyline fill="none" stroke="${c}" stroke-opacity="0.25" stroke-width="1"${dash} points="${path(s.losses)}"/>`);
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2.2"${dash} points="${path(movingAverage(s.losses, window))}"/>`);
    parts.push(`<line x1="${W - R + 12}" y1="${T + 16 * k + 6}" x2="${W - R + 40}" y2="${T + 16 * k + 6}" stroke="${c}" stroke-width="2.2"${dash}/>`);
    parts.push(`<text x="${W - R + 46}" y="${T + 16 * k + 10}" font-size="11">${esc(s.label)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("");
}

/** One group of bars (an arm) in the per-pattern chart. */
interface BarGroup {
  readonly label: string;
  readonly colour: string;
  /** Score in [0, 1] per pattern. */
  readonly values: Readonly<Record<string, number>>;
}

/** An SVG bar chart of per-pattern MMVP scores, one bar per arm, with a 0-100% axis and ticks. */
export function patternBarsSvg(patterns: readonly string[], groups: readonly BarGroup[]): string {
  const W = 760, H = 380, L = 50, R = 20, T = 50, B = 50;
  const bw = (W - L - R) / Math.max(1, patterns.length);
  const inner = (bw - 6) / Math.max(1, groups.length);
  const y = (v: number) => H - B - (H - T - B) * v;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>`,
    `<text x="${L}" y="22" font-size="14">MMVP-VLM per pattern: ${groups.map((g) => esc(g.label)).join(", ")} (mean over seeds)</text>`,
  ];
  groups.forEach((g, k) => parts.push(`<rect x="${L + 150 * k}" y="30" width="12" height="12" fill="${g.colour}"/><text x="${L + 150 * k + 16}" y="40" font-size="11">${esc(g.label)}</text>`));
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${L}" y1="${y(t)}" x2="${W - R}" y2="${y(t)}" stroke="#eee"/><line x1="${L - 5}" y1="${y(t)}" x2="${L}" y2="${y(t)}" stroke="black"/>`);
    parts.push(`<text x="${L - 8}" y="${y(t) + 4}" font-size="10" text-anchor="end">${t * 100}%</text>`);
  }
  patterns.forEach((p, i) => {
    groups.forEach((g, k) => {
      const v = g.values[p] ?? 0;
      parts.push(`<rect x="${(L + i * bw + 3 + k * inner).toFixed(1)}" y="${y(v).toFixed(1)}" width="${(inner - 1).toFixed(1)}" height="${((H - T - B) * v).toFixed(1)}" fill="${g.colour}"/>`);
    });
    parts.push(`<text x="${(L + i * bw + bw / 2).toFixed(1)}" y="${H - B + 14}" font-size="10" text-anchor="middle">${esc(p.split(" ")[0] ?? p)}</text>`);
  });
  parts.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/></svg>`);
  return parts.join("");
}
