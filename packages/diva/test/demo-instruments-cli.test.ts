import { describe, expect, it } from "vitest";
import { diva } from "./fixtures/run-diva.js";

describe("diva demo instruments", () => {
  it("runs the text check on the shipped models for the given world seed, as JSON (options after the subcommand are its own)", async () => {
    const r = await diva(["demo", "instruments", "--checks", "text", "--world-seed", "5", "--json"]);
    expect(r.err).toContain("text check");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.worldSeed).toBe(5);
    expect(report.text.patterns).toHaveLength(9);
    expect(report.text.threshold).toBe(0.9);
    expect(report.vae).toBeUndefined();
    expect(report.unet).toBeUndefined();
    for (const p of report.text.patterns) expect(p.pass).toBe(p.cosine < 0.9);
  }, 120_000);

  it("prints tables, and refuses an unknown check", async () => {
    const table = await diva(["demo", "instruments", "--checks", "text"]);
    expect(table.code).toBe(0);
    expect(table.out).toContain("Instrument checks on world seed 31337");
    expect(table.out).toMatch(/\| direction +\| Orientation and Direction +\| +\d\.\d{3} \| +(pass|FAIL) \|/);
    const bad = await diva(["demo", "instruments", "--checks", "text,colour"]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('unknown check "colour"');
  }, 120_000);
});
