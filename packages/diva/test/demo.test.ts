import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDemo } from "../src/demo/run.js";
import { deriveWorldSeeds, heldOutScenes, probeScenes, TEST_WORLD_SEED, VALIDATION_WORLD_SEED } from "../src/demo/experiment/world-sets.js";
import { buildMmvpBenchmark, generateZeroShotSet } from "../src/demo/world/index.js";

describe("built-in demo (shortened)", () => {
  it("runs before, DIVA and placebo end to end and reports endpoints with intervals, the verdict, probe and mechanism", async () => {
    const out = await mkdtemp(join(tmpdir(), "demo-report-"));
    // two seeds: the second must start from the untouched shipped weights (training works on copies);
    // a world seed other than the test world's, which no test may look at
    const instruments = async () => [{ name: "stand-in check", passed: false, detail: "computed by the caller" }];
    const report = await runDemo({ quick: true, out, verbose: false, seeds: [1, 2], worldSeed: 7, instruments });
    expect(report.config["worldSeed"]).toBe(7);
    expect(report.config["setSeeds"]).toEqual(deriveWorldSeeds(7));
    expect(report.config["precision"]).toBe("float32");
    expect(Object.keys((report.config["models"] as { sha256: Record<string, string> }).sha256).sort()).toEqual(["tiny-clip.safetensors", "tiny-unet.safetensors", "tiny-vae.safetensors"]);
    for (const h of Object.values((report.config["models"] as { sha256: Record<string, string> }).sha256)) expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(report.seeds.map((s) => s.seed)).toEqual([1, 2]);
    for (const s of report.seeds) {
      for (const arm of [s.diva, s.placebo]) {
        expect(arm.losses).toHaveLength(2);
        for (const l of arm.losses) expect(Number.isFinite(l)).toBe(true);
        expect(Object.keys(arm.scores.mmvp)).toHaveLength(9);
        for (const v of [arm.scores.mmvpAverage, arm.scores.zeroShot, arm.scores.probe]) expect(v >= 0 && v <= 1).toBe(true);
        expect(Number.isFinite(arm.heldOut.own) && Number.isFinite(arm.heldOut.other)).toBe(true);
      }
      // the same data, noise and start, but the placebo's conditions come from other images
      expect(s.placebo.losses).not.toEqual(s.diva.losses);
      expect(s.heldOutBefore.own).not.toBe(s.heldOutBefore.other);
    }
    // seed 1 and 2 draw differently, but both start from the shipped weights and see the same sets
    expect(report.seeds[0]!.diva.losses).not.toEqual(report.seeds[1]!.diva.losses);
    expect(Object.keys(report.before.probeHeads).length).toBeGreaterThan(3);
    expect(report.verdict).toMatch(/^(DIVA improved MMVP-VLM by [\d.]+ points over placebo|DIVA lowered MMVP-VLM by [\d.]+ points relative to placebo|No effect distinguishable from placebo: DIVA minus placebo on MMVP-VLM is -?[\d.]+ points) \(95% CI -?[\d.]+\.\.-?[\d.]+\)\.$/);
    const p = report.endpoints.primary;
    expect(p.low).toBeLessThanOrEqual(p.estimate);
    expect(p.high).toBeGreaterThanOrEqual(p.estimate);
    const meanOf = (f: (s: (typeof report.seeds)[number]) => number) => report.seeds.reduce((a, s) => a + f(s), 0) / report.seeds.length;
    expect(p.estimate).toBeCloseTo(100 * meanOf((s) => s.diva.scores.mmvpAverage - s.placebo.scores.mmvpAverage), 6);
    expect(report.endpoints.mechanism).toHaveLength(5);
    expect(report.criteria.map((c) => c.name)).toEqual([expect.stringMatching(/MMVP-VLM, DIVA - placebo >= \+5/), expect.stringMatching(/zero-shot drop/), expect.stringMatching(/probe accuracy/)]);

    const json = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
    expect(json.seeds[0].diva.losses).toEqual(report.seeds[0]!.diva.losses);
    expect(json.verdict).toBe(report.verdict);
    const md = await readFile(join(out, "report.md"), "utf8");
    expect(md.split("\n")[2]).toBe(`**${report.verdict}**`);
    expect(md).toContain("- [ ] instrument: stand-in check: computed by the caller");
    expect(md).toMatch(/\|\s+\| before \|\s+DIVA \| placebo \| statements cos \|/);
    for (const row of ["MMVP average", "Zero-shot accuracy", "Probe accuracy", "MMVP-VLM, DIVA - placebo", "probe, DIVA - before", "zero-shot, DIVA - before", "after DIVA, own - other", "95% CI", "held-out loss", "majority class"]) expect(md).toContain(row);
    const svg = await readFile(join(out, "loss.svg"), "utf8");
    expect(svg).toContain("optimizer step");
    expect(svg).toContain("placebo seed 2");
    expect(await readFile(join(out, "mmvp-patterns.svg"), "utf8")).toContain("placebo");
  });
});

describe("demo worlds", () => {
  it("derive every set's seed from the world seed, deterministically and differently per world", () => {
    expect(deriveWorldSeeds(5)).toEqual(deriveWorldSeeds(5));
    const a = deriveWorldSeeds(TEST_WORLD_SEED);
    const b = deriveWorldSeeds(VALIDATION_WORLD_SEED);
    const values = [...Object.entries(a), ...Object.entries(b)].filter(([k]) => k !== "world").map(([, v]) => v);
    expect(new Set(values).size).toBe(values.length);
    expect(() => deriveWorldSeeds(-1)).toThrow(/world seed must be a non-negative integer/);
  });

  it("the validation world shares no benchmark scene, zero-shot image or probe/held-out scene with the test world", () => {
    const [test, validation] = [deriveWorldSeeds(TEST_WORLD_SEED), deriveWorldSeeds(VALIDATION_WORLD_SEED)];
    const bench = (seed: number) => new Set(buildMmvpBenchmark({ seed }).items.map((it) => JSON.stringify(it.scene)));
    const tb = bench(test.benchmark);
    const vb = bench(validation.benchmark);
    expect(vb.size).toBeGreaterThan(200);
    for (const s of vb) expect(tb.has(s)).toBe(false);
    const zs = (seed: number) => new Set(Object.values(generateZeroShotSet({ size: 8, samples: 1, seed }).scenes).flatMap((l) => l.map((s) => JSON.stringify(s))));
    const tz = zs(test.zeroShot);
    const vz = zs(validation.zeroShot);
    expect(vz.size).toBeGreaterThan(150);
    for (const s of vz) expect(tz.has(s)).toBe(false);
    const sizes = { zeroShotPerClass: 1, probeTrain: 100, probeTest: 50, trainImages: 1, heldOut: 100 };
    const scenes = (w: typeof test) => new Set([...Object.values(probeScenes(w, sizes)).flat(), ...heldOutScenes(w, 100)].map((s) => JSON.stringify(s)));
    const ts = scenes(test);
    for (const s of scenes(validation)) expect(ts.has(s)).toBe(false);
  });
});
