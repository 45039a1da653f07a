import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initBackend, setDefaultDevice } from "@diva/tensor";
import { parityMain } from "@diva/nn";

const dir = process.env["DIVA_FIXTURES"] ?? join(import.meta.dirname, "..", "..", "..", "..", "shared", "fixtures");
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".safetensors")).map((f) => join(dir, f)) : [];
const requireGpu = process.env["CI"] === "true" && process.env["DIVA_REQUIRE_WEBGPU"] === "1";

let adapterError: string | null = null;
try {
  await initBackend("webgpu");
} catch (e) {
  adapterError = (e as Error).message;
}
if (!files.length) console.warn(`parity on webgpu: skipped, no fixtures under ${dir}`);
else if (adapterError && !requireGpu) console.warn(`parity on webgpu: skipped, no WebGPU adapter (${adapterError})`);

describe.skipIf(!files.length || (adapterError !== null && !requireGpu))("diva parity on the WebGPU backend", () => {
  it("every shared fixture passes within its tolerance", async () => {
    expect(adapterError).toBeNull();
    setDefaultDevice("webgpu");
    const log = console.log;
    console.log = () => {};
    try {
      expect(await parityMain(files)).toBe(0);
    } finally {
      console.log = log;
      setDefaultDevice("cpu");
    }
  });
});
