import { describe, expect, it } from "vitest";
import { diffusionFixtureKind, diffusionFixtureOutputs, diffusionReferenceNames, diffusionTolerance } from "./parity.js";
import { compare, loadFixture } from "../../test/support/diffusion-fixtures.js";

const NAMES = ["unet_tiny", "vae_tiny", "ddpm_scheduler"] as const;
const fixtures = Object.fromEntries(await Promise.all(NAMES.map(async (n) => [n, await loadFixture(n)] as const)));

describe.each(NAMES)("parity with diffusers: %s", (name) => {
  const f = fixtures[name];
  it.skipIf(!f)("matches every output the fixture names", async () => {
    const kind = diffusionFixtureKind(f!);
    expect(kind).not.toBeNull();
    const produce = await diffusionFixtureOutputs(f!, kind);
    const rows: string[] = [];
    for (const out of diffusionReferenceNames(f!, kind!)) {
      expect(produce[out], `no producer for ${out}`).toBeDefined();
      const { maxAbs, maxRel } = await compare(produce[out]!(), f!.tensors[out]!);
      rows.push(`${out}: max abs ${maxAbs.toExponential(2)}, rel ${maxRel.toExponential(2)}`);
      expect(maxRel, out).toBeLessThanOrEqual(diffusionTolerance(kind!, out));
    }
    console.log(`${name} (${kind}) parity\n  ${rows.join("\n  ")}`);
  });
});

describe("registered with the shared parity check", () => {
  it.each(NAMES)("%s passes checkFixture", async (name) => {
    const { sharedFixturesDir } = await import("../../test/fixtures-path.js");
    const dir = sharedFixturesDir();
    if (!dir) return;
    const { runParity, formatParityReport } = await import("../parity/check.js");
    await import("./parity-runners.js");
    const report = await runParity(`${dir}/${name}.safetensors`);
    console.log(formatParityReport(report));
    expect(report.runner).toMatch(/diffusers/);
    expect(report.ok).toBe(true);
  });
});
