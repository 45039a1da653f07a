/** Markdown tables of the instrument checks (what `diva demo instruments` prints and a report can embed). */
import type { InstrumentChecksReport } from "./index.js";
import { PATTERN_ATTRIBUTES } from "./pattern-samples.js";
import type { TextSeparabilityResult } from "./text-separability.js";
import type { UnetFlipResult } from "./unet-flip.js";
import type { VaeFidelityResult } from "./vae-fidelity.js";

/** A markdown table; the first `left` columns are text (left-aligned), the others numbers (right-aligned). */
function table(header: readonly string[], rows: readonly (readonly string[])[], left = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i < left ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

const pct = (v: number) => (100 * v).toFixed(1);
const verdict = (pass: boolean) => (pass ? "pass" : "FAIL");
const attributeOf = (pattern: string) => (PATTERN_ATTRIBUTES as Readonly<Record<string, { name: string } | undefined>>)[pattern]?.name ?? pattern;
/** A p-value compactly: 0.034, 2e-5, < 1e-300. */
const pValue = (p: number) => (p === 0 ? "< 1e-300" : p >= 0.001 ? p.toFixed(3) : p.toExponential(0));

/** Check 1 as a table. */
export function textSeparabilityTable(r: TextSeparabilityResult): string {
  return [
    `Text separability: mean cosine of a pair's two statement embeddings, pass below ${r.threshold}: ${verdict(r.pass)}`,
    "",
    table(["attribute", "pattern", "statements cos", "result"], r.patterns.map((p) => [attributeOf(p.pattern), p.pattern, p.cosine.toFixed(3), verdict(p.pass)]), 2),
  ].join("\n");
}

/** Check 2 as a table. */
export function vaeFidelityTable(r: VaeFidelityResult): string {
  const retrained = r.attributes.some((a) => a.retrained !== undefined);
  const rows = r.attributes.map((a) => [
    a.attribute, String(a.classes.length), `${a.trainImages}/${a.testImages}`, pct(a.chance), pct(a.originals), pct(a.reconstructions), pct(a.drop),
    ...(retrained ? [a.retrained === undefined ? "" : pct(a.retrained)] : []),
    a.verdict === "pass" ? "pass" : a.verdict === "fail" ? "FAIL" : "inconclusive",
  ]);
  const header = ["attribute", "classes", "train/test", "chance", "originals", "round trips", "drop", ...(retrained ? ["retrained on round trips"] : []), "result"];
  return [
    `VAE fidelity: classifier accuracy (%) on held-out originals and their VAE round trips, pass when the drop is at most ${pct(r.tolerance)} points: ${verdict(r.pass)}`,
    "",
    table(header, rows),
    "",
    "(inconclusive: the classifier reads the originals no better than halfway from chance to 100%" +
      (retrained ? "; retrained: a second classifier trained and tested on round trips, a diagnostic outside the verdict)" : ")"),
  ].join("\n");
}

/** Check 3 as a table. */
export function unetFlipTable(r: UnetFlipResult): string {
  // a column for samples whose two captions are the same text (the caption writer cannot express the change), when any
  const identical = r.patterns.some((p) => p.identicalCaptions > 0);
  const rows = r.patterns.map((p) => [
    p.attribute, String(p.images), (1e3 * p.meanTrue).toFixed(2), (1e3 * p.meanFlipped).toFixed(2), (1e3 * p.meanDifference).toFixed(3), p.t.toFixed(2), pValue(p.p),
    ...(identical ? [String(p.identicalCaptions)] : []), verdict(p.pass),
  ]);
  return [
    `UNet uses the attributes: denoising error (x1e-3) at t ${r.timesteps[0]}-${r.timesteps[1]} with the true full caption vs one attribute flipped, one-sided paired t-test, pass at p < ${r.alpha}: ${verdict(r.pass)}`,
    "",
    table(["attribute", "images", "true", "flipped", "flipped - true", "t", "p", ...(identical ? ["identical captions"] : []), "result"], rows),
  ].join("\n");
}

/** All checks that ran, each as a table, with the overall verdict. */
export function instrumentTables(r: InstrumentChecksReport): string {
  const parts = [`Instrument checks on world seed ${r.worldSeed} (diffusion images ${r.imageSize}x${r.imageSize}): ${r.pass ? "all pass" : "NOT all pass"}`];
  if (r.text) parts.push(textSeparabilityTable(r.text));
  if (r.vae) parts.push(vaeFidelityTable(r.vae));
  if (r.unet) parts.push(unetFlipTable(r.unet));
  return parts.join("\n\n");
}

/** Short attribute names of failing patterns, e.g. "direction, glyph". */
const failing = (items: readonly { readonly pass: boolean; readonly name: string }[]) => items.filter((x) => !x.pass).map((x) => x.name).join(", ");

/**
 * The checks as the demo report lists them: one line per check that ran, passed only when every pattern passed,
 * with how many passed and which failed.
 */
export function instrumentSummary(report: InstrumentChecksReport): { readonly name: string; readonly passed: boolean; readonly detail: string }[] {
  const line = (name: string, items: readonly { readonly pass: boolean; readonly name: string }[], rule: string) => {
    const passed = items.filter((x) => x.pass).length;
    const fails = failing(items);
    return { name, passed: passed === items.length, detail: `${passed} of ${items.length} pass (${rule}, world ${report.worldSeed})${fails ? `; fail: ${fails}` : ""}` };
  };
  const out: { name: string; passed: boolean; detail: string }[] = [];
  if (report.text) out.push(line("text separability", report.text.patterns.map((p) => ({ pass: p.pass, name: `${p.pattern} (${p.cosine.toFixed(3)})` })), `statement cosine < ${report.text.threshold}`));
  if (report.vae) out.push(line("VAE fidelity", report.vae.attributes.map((a) => ({ pass: a.verdict === "pass", name: `${a.attribute} (${(100 * a.reconstructions).toFixed(1)} vs ${(100 * a.originals).toFixed(1)}%)` })), `round trips within ${(100 * report.vae.tolerance).toFixed(0)} points of originals`));
  if (report.unet) out.push(line("UNet uses the attribute", report.unet.patterns.map((p) => ({ pass: p.pass, name: p.attribute })), `caption flip, t ${report.unet.timesteps[0]}-${report.unet.timesteps[1]}, p < ${report.unet.alpha}`));
  return out;
}
