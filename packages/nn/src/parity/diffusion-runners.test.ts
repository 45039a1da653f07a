import { describe, expect, it } from "vitest";
import { checkFixture, formatParityReport } from "./check.js";
import { disposeFixture } from "./fixture.js";
import { loadSharedFixture } from "../../test/support/shared-fixtures.js";

const NAMES = ["unet_tiny", "vae_tiny", "ddpm_scheduler"] as const;
const fixtures = Object.fromEntries(await Promise.all(NAMES.map(async (n) => [n, await loadSharedFixture(n)] as const)));

describe.each(NAMES)("parity with diffusers: %s", (name) => {
  const f = fixtures[name];
  it.skipIf(!f)("the diffusers runner matches every output the fixture names within its tolerance", async () => {
    try {
      const report = await checkFixture(f!);
      console.log(formatParityReport(report));
      expect(report.runner).toMatch(/^diffusers /);
      expect(report.rows.length).toBeGreaterThan(0);
      for (const row of report.rows) expect(row.ok, `${row.name}: ${row.note ?? `rel ${row.maxRel} > ${row.tolerance}`}`).toBe(true);
      expect(report.ok).toBe(true);
    } finally {
      disposeFixture(f!);
    }
  });
});
