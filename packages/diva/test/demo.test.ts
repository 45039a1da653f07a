import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDemo, VALIDATION_SEEDS } from "../src/demo/run.js";
import { buildMmvpBenchmark, generateZeroShotSet } from "../src/demo/world/index.js";

describe("built-in demo (shortened)", () => {
  it("runs end to end: evaluation, DIVA steps, evaluation, report files", async () => {
    const out = await mkdtemp(join(tmpdir(), "demo-report-"));
    // two seeds: the second must start from the untouched shipped weights (training works on copies)
    const report = await runDemo({ quick: true, out, verbose: false, seeds: [1, 2] });
    expect(report.seeds).toHaveLength(2);
    expect(report.config.split).toBe("test");
    for (const seed of report.seeds) for (const l of seed.losses) expect(Number.isFinite(l)).toBe(true);
    const s = report.seeds[0]!;
    expect(s.losses).toHaveLength(2);
    for (const l of s.losses) expect(Number.isFinite(l)).toBe(true);
    expect(Object.keys(s.before.mmvp)).toHaveLength(9);
    for (const v of [s.before.mmvpAverage, s.after.mmvpAverage, s.before.zeroShot, s.after.zeroShot]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    const json = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
    expect(json.seeds[0].losses).toEqual(s.losses);
    expect(Object.keys(report.statementSimilarity).sort()).toEqual(Object.keys(s.before.mmvp).sort());
    for (const v of Object.values(report.statementSimilarity)) expect(Math.abs(v)).toBeLessThanOrEqual(1 + 1e-6);
    const md = await readFile(join(out, "report.md"), "utf8");
    expect(md).toContain("MMVP average");
    expect(md).toContain("statements cos");
    expect(await readFile(join(out, "loss.svg"), "utf8")).toContain("<svg");
    expect(await readFile(join(out, "mmvp-patterns.svg"), "utf8")).toContain("<svg");
  });
});

describe("demo validation split", () => {
  it("shares no benchmark scene and no zero-shot image with the reported test split", () => {
    const scenes = (seed?: number) => new Set(buildMmvpBenchmark(seed === undefined ? {} : { seed }).items.map((it) => JSON.stringify(it.scene)));
    const test = scenes();
    const validation = scenes(VALIDATION_SEEDS.benchmark);
    expect(validation.size).toBeGreaterThan(200);
    for (const s of validation) expect(test.has(s)).toBe(false);
    const zeroShotScenes = (seed?: number) => {
      const set = generateZeroShotSet({ size: 8, samples: 1, ...(seed === undefined ? {} : { seed }) });
      return new Set(Object.values(set.scenes).flatMap((list) => list.map((s) => JSON.stringify(s))));
    };
    const zsTest = zeroShotScenes();
    const zsValidation = zeroShotScenes(VALIDATION_SEEDS.zeroShot);
    expect(zsValidation.size).toBeGreaterThan(150);
    for (const s of zsValidation) expect(zsTest.has(s)).toBe(false);
  });
});
