import { join } from "node:path";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatParityReport, parityMain, runParity } from "../src/parity/index.js";
import { sharedFixturesDir } from "./support/shared-fixtures.js";

const dir = sharedFixturesDir();

describe.skipIf(!dir)("CLIP parity with the shared open_clip fixtures (float32, relative 1e-5)", () => {
  for (const name of ["clip_vit_tiny", "clip_vit_tiny_grad", "clip_text_tiny"]) {
    const file = dir ? join(dir, `${name}.safetensors`) : "";
    it.skipIf(!existsSync(file))(name, async () => {
      const report = await runParity(file, { tolerance: 1e-5 });
      console.log(formatParityReport(report));
      expect(report.rows.length).toBeGreaterThan(0);
      for (const row of report.rows) expect(row.ok, `${row.name}: ${row.note ?? `rel ${row.maxRel}`}`).toBe(true);
      expect(report.ok).toBe(true);
    });
  }
});

describe.skipIf(!dir)("the parity command over every shared fixture", () => {
  it("exits 0 (CLIP towers, tokenizer, UNet, VAE, scheduler)", async () => {
    const { readdirSync } = await import("node:fs");
    const files = readdirSync(dir!).filter((f) => f.endsWith(".safetensors")).map((f) => join(dir!, f));
    const lines: string[] = [];
    const code = await parityMain({ files, print: (l) => lines.push(l) });
    console.log(lines.join("\n"));
    expect(code, lines.filter((l) => /FAIL|ERROR/.test(l)).join("\n")).toBe(0);
  });
});
