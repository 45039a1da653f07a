import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatParityReport, runParity } from "../src/parity/index.js";

// Fixtures made by test/fixtures/gen_clip_extra.py with open_clip and timm themselves (HF text transcribed):
// GELU towers, avg pool + layer scale + final_ln_after_pool, non-square input without ln_pre, position
// interpolation, eos pooling with a linear projection, the SigLIP timm tower (with gradients) and a whole
// CustomTextCLIP, and the Hugging Face CLIPTextModel layout.
const dir = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const files = readdirSync(dir).filter((f) => f.endsWith(".safetensors"));

describe("CLIP-family parity on generated fixtures (relative 1e-5)", () => {
  it("finds the fixtures", () => expect(files.length).toBeGreaterThanOrEqual(8));
  for (const file of files) {
    it(file, async () => {
      const report = await runParity(join(dir, file), { tolerance: 1e-5 });
      console.log(formatParityReport(report));
      for (const row of report.rows) expect(row.ok, `${row.name}: ${row.note ?? `rel ${row.maxRel}`}`).toBe(true);
      expect(report.ok).toBe(true);
    });
  }
});
