import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { divaEnv, initBackend, setDefaultDevice } from "@diva/tensor";
import { parityMain } from "@diva/nn";
import { sharedFixturesDir } from "../../nn/test/support/shared-fixtures.js";

const dir = sharedFixturesDir();
const files = dir ? readdirSync(dir).filter((f) => f.endsWith(".safetensors")).map((f) => join(dir, f)) : [];
const requireGpu = process.env["CI"] === "true" && divaEnv("DIVA_REQUIRE_WEBGPU") === "1";

let adapterError: string | null = null;
try {
  await initBackend("webgpu");
} catch (e) {
  adapterError = (e as Error).message;
}
if (dir && !files.length) console.warn(`parity on webgpu: skipped, no fixtures under ${dir}`);
else if (adapterError && !requireGpu) console.warn(`parity on webgpu: skipped, no WebGPU adapter (${adapterError})`);

describe.skipIf(!files.length || (adapterError !== null && !requireGpu))("diva parity on the WebGPU backend", () => {
  it("every shared fixture passes within its tolerance", async () => {
    expect(adapterError).toBeNull();
    setDefaultDevice("webgpu");
    const lines: string[] = [];
    try {
      const code = await parityMain({ files, print: (l) => lines.push(l) });
      expect(code, lines.filter((l) => /FAIL|ERROR/.test(l)).join("\n")).toBe(0);
    } finally {
      setDefaultDevice("cpu");
    }
  });
});
