/**
 * The demo experiment's analysis: endpoints with paired bootstrap intervals, the verdict in words and the
 * pre-registered criteria. Pure functions of the measured outcomes.
 */
import { pairedBootstrap, type BootstrapInterval } from "../../eval/bootstrap.js";
import type { ArmScores, MmvpLayout } from "./evaluate.js";

/** Per-image held-out DIVA losses of one model state, with each image's own condition and another image's. */
export interface HeldOutLoss {
  readonly own: readonly number[];
  readonly other: readonly number[];
}

/** One seed's two trained arms and the mechanism losses. */
export interface SeedArms {
  readonly seed: number;
  readonly diva: ArmScores;
  readonly placebo: ArmScores;
  /** Held-out losses before training (the seed's initial projection), after DIVA and after the placebo. */
  readonly heldOut: { readonly before: HeldOutLoss; readonly diva: HeldOutLoss; readonly placebo: HeldOutLoss };
}

/** A difference with its interval. Accuracies are in points (percent), losses as they are. */
export interface Endpoint {
  readonly label: string;
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

/** Every endpoint of the experiment. */
export interface Endpoints {
  /** Primary: MMVP-VLM mean, DIVA minus placebo. */
  readonly primary: Endpoint;
  readonly mmvp: readonly Endpoint[];
  /** Guardrail. */
  readonly zeroShot: readonly Endpoint[];
  /** Secondary: the linear probe's held-out accuracy. */
  readonly probe: readonly Endpoint[];
  /** Mechanism: held-out DIVA loss. */
  readonly mechanism: readonly Endpoint[];
  /** How the intervals were made. */
  readonly method: { readonly level: number; readonly resamples: number; readonly seed: number; readonly seedsResampled: boolean };
}

/** The decision thresholds of the protocol (benchmarks/results/demo-protocol.md). */
const DEMO_CRITERIA = { mmvpOverPlacebo: 5, zeroShotMaxDrop: 1, probeGain: 5 } as const;

/** One criterion and whether the run met it. */
export interface Criterion {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

const point = (i: BootstrapInterval, scale: number, label: string): Endpoint => ({ label, estimate: scale * i.estimate, low: scale * i.low, high: scale * i.high });

/**
 * Endpoints with paired bootstrap intervals: benchmark pairs (within patterns), zero-shot images, probe rows
 * (within heads) and held-out images are resampled together with the seeds, the same resample for both arms.
 */
export function computeEndpoints(before: ArmScores, seeds: readonly SeedArms[], layout: MmvpLayout, o: { readonly seed: number; readonly resamples: number; readonly level?: number }): Endpoints {
  if (seeds.length === 0) throw new Error("computeEndpoints: no seeds");
  const opts = { seed: o.seed, resamples: o.resamples, level: o.level ?? 0.95 };
  const rows = (f: (s: SeedArms) => readonly number[]) => seeds.map(f);
  const beforeRows = (v: readonly number[]) => seeds.map(() => v);
  const acc = (label: string, a: (readonly number[])[], b: (readonly number[])[], strata?: readonly string[]) =>
    point(pairedBootstrap(a, b, { ...opts, ...(strata ? { strata } : {}) }), 100, label);
  const mm = (s: SeedArms, arm: "diva" | "placebo") => s[arm].mmvpPairs;
  const primary = acc("MMVP-VLM, DIVA - placebo", rows((s) => mm(s, "diva")), rows((s) => mm(s, "placebo")), layout.pairTypes);
  const loss = (label: string, a: (readonly number[])[], b: (readonly number[])[]) => point(pairedBootstrap(a, b, opts), 1, label);
  const h = (s: SeedArms) => s.heldOut;
  return {
    primary,
    mmvp: [
      primary,
      acc("MMVP-VLM, DIVA - before", rows((s) => mm(s, "diva")), beforeRows(before.mmvpPairs), layout.pairTypes),
      acc("MMVP-VLM, placebo - before", rows((s) => mm(s, "placebo")), beforeRows(before.mmvpPairs), layout.pairTypes),
    ],
    zeroShot: [
      acc("zero-shot, DIVA - before", rows((s) => s.diva.zeroShotImages), beforeRows(before.zeroShotImages)),
      acc("zero-shot, placebo - before", rows((s) => s.placebo.zeroShotImages), beforeRows(before.zeroShotImages)),
      acc("zero-shot, DIVA - placebo", rows((s) => s.diva.zeroShotImages), rows((s) => s.placebo.zeroShotImages)),
    ],
    probe: [
      acc("probe, DIVA - before", rows((s) => s.diva.probeRows), beforeRows(before.probeRows), layout.probeRowHeads),
      acc("probe, placebo - before", rows((s) => s.placebo.probeRows), beforeRows(before.probeRows), layout.probeRowHeads),
      acc("probe, DIVA - placebo", rows((s) => s.diva.probeRows), rows((s) => s.placebo.probeRows), layout.probeRowHeads),
    ],
    mechanism: [
      loss("held-out loss (own condition), DIVA after - before", rows((s) => h(s).diva.own), rows((s) => h(s).before.own)),
      loss("held-out loss (own condition), placebo after - before", rows((s) => h(s).placebo.own), rows((s) => h(s).before.own)),
      loss("held-out loss before, own - other image's condition", rows((s) => h(s).before.own), rows((s) => h(s).before.other)),
      loss("held-out loss after DIVA, own - other image's condition", rows((s) => h(s).diva.own), rows((s) => h(s).diva.other)),
      loss("held-out loss after placebo, own - other image's condition", rows((s) => h(s).placebo.own), rows((s) => h(s).placebo.other)),
    ],
    method: { level: opts.level, resamples: o.resamples, seed: o.seed, seedsResampled: seeds.length > 1 },
  };
}

const f1 = (v: number) => v.toFixed(1);
const ci = (e: Endpoint, level: number) => `${Math.round(level * 100)}% CI ${f1(e.low)}..${f1(e.high)}`;

/** The verdict in words, from the primary endpoint. */
export function verdict(e: Endpoints): string {
  const p = e.primary;
  const c = ci(p, e.method.level);
  if (p.low > 0) return `DIVA improved MMVP-VLM by ${f1(p.estimate)} points over placebo (${c}).`;
  if (p.high < 0) return `DIVA lowered MMVP-VLM by ${f1(-p.estimate)} points relative to placebo (${c}).`;
  return `No effect distinguishable from placebo: DIVA minus placebo on MMVP-VLM is ${f1(p.estimate)} points (${c}).`;
}

/** The pre-registered criteria (instrument checks are reported beside them when the run has them). */
export function criteria(e: Endpoints): Criterion[] {
  const byLabel = (list: readonly Endpoint[], label: string) => list.find((x) => x.label === label)!;
  const p = e.primary;
  const zs = byLabel(e.zeroShot, "zero-shot, DIVA - before");
  const probe = byLabel(e.probe, "probe, DIVA - before");
  return [
    { name: `MMVP-VLM, DIVA - placebo >= +${DEMO_CRITERIA.mmvpOverPlacebo} points with the CI above 0`, passed: p.estimate >= DEMO_CRITERIA.mmvpOverPlacebo && p.low > 0, detail: `${f1(p.estimate)} (${ci(p, e.method.level)})` },
    { name: `zero-shot drop (before - DIVA) <= ${DEMO_CRITERIA.zeroShotMaxDrop} point`, passed: -zs.estimate <= DEMO_CRITERIA.zeroShotMaxDrop, detail: `${f1(-zs.estimate)} (DIVA - before ${f1(zs.estimate)}, ${ci(zs, e.method.level)})` },
    { name: `probe accuracy, DIVA - before >= +${DEMO_CRITERIA.probeGain} points`, passed: probe.estimate >= DEMO_CRITERIA.probeGain, detail: `${f1(probe.estimate)} (${ci(probe, e.method.level)})` },
  ];
}
