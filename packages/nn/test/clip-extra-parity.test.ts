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

describe("parity check failures are reported, not hidden", () => {
  it("a perturbed expectation and an unknown output name fail with their names", async () => {
    const { add } = await import("@diva/tensor");
    const { checkFixture, disposeFixture, loadFixture } = await import("../src/parity/index.js");
    const f = await loadFixture(join(dir, "clip_vit_nonsquare_noln.safetensors"));
    try {
      f.expected["output.image_embeds"] = add(f.expected["output.image_embeds"]!, 1e-3);
      f.expected["output.mystery"] = f.expected["output.block.0"]!;
      const report = await checkFixture(f);
      expect(report.ok).toBe(false);
      const bad = report.rows.filter((r) => !r.ok).map((r) => r.name);
      expect(bad).toEqual(["output.image_embeds", "output.mystery"]);
      expect(report.rows.find((r) => r.name === "output.mystery")!.note).toMatch(/does not produce/);
    } finally {
      disposeFixture(f);
    }
  });
});

describe("a fixture's weights must be the model's parameters, by name", () => {
  // The timm, HF-text and whole-CLIP runners build their trees against the model's specs: a weight the
  // model does not have, or one it lacks, is an error naming it (not ignored, nor a crash in the forward).
  it("an extra weight in an HF text fixture and a missing one in a whole SigLIP are named", async () => {
    const { zeros } = await import("@diva/tensor");
    const { checkFixture, disposeFixture, loadFixture } = await import("../src/parity/index.js");
    const hf = await loadFixture(join(dir, "hf_clip_text_proj_tiny.safetensors"));
    const siglip = await loadFixture(join(dir, "siglip_tiny.safetensors"));
    const vision = await loadFixture(join(dir, "siglip_vision_tiny_grad.safetensors"));
    try {
      hf.weights["text_model.extra.weight"] = zeros([2]);
      await expect(checkFixture(hf)).rejects.toThrow(/unexpected parameter "text_model\.extra\.weight"/);
      delete siglip.weights["logit_bias"];
      await expect(checkFixture(siglip)).rejects.toThrow(/missing parameter "logit_bias"/);
      delete vision.weights["trunk.norm.weight"];
      await expect(checkFixture(vision)).rejects.toThrow(/missing parameter "trunk\.norm\.weight"/);
    } finally {
      for (const f of [hf, siglip, vision]) disposeFixture(f);
    }
  });
});
