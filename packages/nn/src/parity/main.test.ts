/**
 * parityMain, the typed entry of `diva parity`. Imported on its own (not through the package index): every
 * model family's runner must be found without importing anything else first.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tensor, writeSafetensors } from "@diva/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parityMain } from "./main.js";
import { parityRunners } from "./runners.js";
import { sharedFixturePath } from "../../test/support/shared-fixtures.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "diva-parity-main-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs parityMain and returns its exit code with what it printed. */
async function run(files: string[], tolerance?: number): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await parityMain({ files, ...(tolerance !== undefined ? { tolerance } : {}), print: (l) => lines.push(l) });
  return { code, text: lines.join("\n") };
}

describe("the parity runners", () => {
  it("are one static list covering every model family", () => {
    const names = parityRunners.map((r) => r.name);
    for (const family of [/UNet2DConditionModel/, /AutoencoderKL/, /DDPMScheduler/, /DDIMScheduler/, /tokenizer/, /clip-vision/, /clip-text/]) {
      expect(names.some((n) => family.test(n)), String(family)).toBe(true);
    }
    expect(new Set(names).size).toBe(names.length);
  });
});

const ddpm = sharedFixturePath("ddpm_scheduler");

describe.skipIf(!ddpm)("parityMain on the ddpm_scheduler fixture", () => {
  it("passes with the runner's tolerances and prints the report", async () => {
    const { code, text } = await run([ddpm!]);
    expect(code, text).toBe(0);
    expect(text).toMatch(/^ddpm_scheduler \(diffusers DDPMScheduler\): PASS/);
    expect(text).toMatch(/\n {2}betas +\[1000\] +0\.00e\+0 +0\.00e\+0 +1\.00e-5 +ok/);
  });

  it("applies one tolerance to every result", async () => {
    const { code, text } = await run([ddpm!], 0.25);
    expect(code, text).toBe(0);
    expect(text).not.toMatch(/1\.00e-5/);
    expect(text).toMatch(/\n {2}betas +\[1000\] +0\.00e\+0 +0\.00e\+0 +2\.50e-1 +ok/);
  });
});

describe("parityMain with bad input", () => {
  it("names a missing file and goes on to the next one", async () => {
    const missing = join(dir, "no-such-fixture.safetensors");
    const { code, text } = await run([missing, ...(ddpm ? [ddpm] : [])]);
    expect(code).toBe(1);
    expect(text).toContain(`${missing}: ERROR parity: fixture file ${missing} does not exist`);
    if (ddpm) expect(text).toMatch(/ddpm_scheduler \(diffusers DDPMScheduler\): PASS/);
  });

  it("names a fixture no runner recognises, and the runners it knows", async () => {
    const file = join(dir, "odd.safetensors");
    await writeSafetensors(file, { "foo.weight": tensor([1, 2]) }, { metadata: { config: JSON.stringify({ width: 2 }) } });
    const { code, text } = await run([file]);
    expect(code).toBe(1);
    expect(text).toMatch(/odd\.safetensors: ERROR parity: no runner recognises fixture "odd" \(weights foo\.weight; config keys width\); known runners: .*diffusers UNet2DConditionModel.*clip-tokenizer/);
  });

  it("refuses an empty file list and a tolerance that is not a positive number", async () => {
    await expect(parityMain({ files: [] })).rejects.toThrow("parityMain: no fixture files given");
    for (const tolerance of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(parityMain({ files: ["x.safetensors"], tolerance })).rejects.toThrow(`parityMain: tolerance must be a positive number, got ${tolerance}`);
    }
  });
});
