import { describe, expect, it } from "vitest";
import { computeEndpoints, criteria, verdict, type SeedArms } from "./endpoints.js";
import type { ArmScores, MmvpLayout } from "./evaluate.js";

/** Scores with MMVP pair outcomes `pairs`, zero-shot outcomes `zs` and probe outcomes `probe`. */
function scores(pairs: number[], zs: number[], probe: number[]): ArmScores {
  return { mmvp: {}, mmvpAverage: 0, mmvpPairs: pairs, zeroShot: 0, zeroShotImages: zs, probe: 0, probeHeads: {}, probeRows: probe };
}
const repeat = (pattern: number[], n: number) => Array.from({ length: n }, (_, i) => pattern[i % pattern.length]!);
const layout: MmvpLayout = { pairTypes: repeat([0, 1], 40).map((i) => `pattern ${i}`), pairIds: [], statementSimilarity: {}, probeRowHeads: repeat([0, 1, 2], 60).map((i) => `head ${i}`) };
const held = { own: repeat([0.02, 0.03], 10), other: repeat([0.025, 0.035], 10) };

function run(divaPairs: number[], placeboPairs: number[], divaZs = repeat([1], 50), divaProbe = repeat([1, 1, 0], 60)) {
  const before = scores(repeat([0], 40), repeat([1], 50), repeat([1, 0, 0], 60));
  const seeds: SeedArms[] = [1, 2].map((seed) => ({
    seed,
    diva: scores(divaPairs, divaZs, divaProbe),
    placebo: scores(placeboPairs, repeat([1], 50), repeat([1, 0, 0], 60)),
    heldOut: { before: held, diva: held, placebo: held },
  }));
  return computeEndpoints(before, seeds, layout, { seed: 0, resamples: 300 });
}

describe("demo endpoints", () => {
  it("states an improvement over placebo with its interval, and checks the criteria", () => {
    const e = run(repeat([1, 1, 1, 0], 40), repeat([0], 40));
    expect(e.primary.estimate).toBeCloseTo(75, 9);
    expect(verdict(e)).toMatch(/^DIVA improved MMVP-VLM by 75\.0 points over placebo \(95% CI \d+\.\d\.\.\d+\.\d\)\.$/);
    const c = criteria(e);
    expect(c.map((x) => x.passed)).toEqual([true, true, true]); // +75; zero-shot kept; probe 33 -> 67
    expect(e.mechanism.find((m) => m.label.includes("after DIVA, own - other"))!.estimate).toBeCloseTo(-0.005, 9);
  });

  it("says when there is no effect distinguishable from placebo, or a loss", () => {
    const none = run(repeat([1, 1, 0, 0], 40), repeat([0, 0, 1, 1], 40));
    expect(verdict(none)).toMatch(/^No effect distinguishable from placebo: DIVA minus placebo on MMVP-VLM is 0\.0 points \(95% CI -\d+\.\d\.\.\d+\.\d\)\.$/);
    expect(criteria(none)[0]!.passed).toBe(false);
    const worse = run(repeat([0], 40), repeat([1], 40), repeat([1, 0], 50));
    expect(verdict(worse)).toMatch(/^DIVA lowered MMVP-VLM by 100\.0 points relative to placebo/);
    expect(criteria(worse)[1]!.passed).toBe(false); // zero-shot down 50 points
  });
});
