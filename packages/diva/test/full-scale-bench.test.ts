/**
 * benchmarks/full-scale/run.ts at a reduced width (1/32 of the channels, 64 px VAE input): it writes the random
 * checkpoints, prints the plan and one timed step, and its JSON report has every part, a finite loss, and an
 * activation estimate within 25% of what the step kept. The full size runs only by hand (about 13 GB).
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { haveBpe, SHARED_BPE } from "./fixtures/tiny-models.js";

const bpe = await haveBpe();
if (!bpe) console.log(`full-scale benchmark test skipped: the CLIP BPE vocabulary ${SHARED_BPE} is not on this machine`);
const REPO = join(import.meta.dirname, "..", "..", "..");

describe.skipIf(!bpe)("benchmarks/full-scale/run.ts at reduced width", () => {
  it("runs one step and reports the parts, the plan and the measured figures", async () => {
    const root = await mkdtemp(join(tmpdir(), "diva-full-scale-"));
    try {
      const json = join(root, "report.json");
      const args = ["--models", join(root, "models"), "--bpe", SHARED_BPE, "--width-scale", "0.03125", "--vae-size", "64", "--checkpoint-activations", "--json", json];
      const r = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", join(REPO, "benchmarks", "full-scale", "run.ts"), ...args], { cwd: REPO, encoding: "utf8", timeout: 110_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain("memory plan: preset openai-vit-l-14");
      const report = JSON.parse(await readFile(json, "utf8")) as { parts: { name: string }[]; measured: { finite: boolean; activationRatio: number; loss: number } };
      expect(report.parts.map((p) => p.name)).toContain("UNet backward to the condition");
      expect(report.measured.finite).toBe(true);
      expect(Number.isFinite(report.measured.loss)).toBe(true);
      expect(report.measured.activationRatio).toBeGreaterThan(0.75);
      expect(report.measured.activationRatio).toBeLessThan(1.25);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 120_000);
});
