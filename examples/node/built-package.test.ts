/**
 * The built package in plain Node: `import("@diva/tensor")` resolves to dist/index.js, and
 * `await useBackend("webgpu")` loads Dawn lazily and runs a forward and backward pass that matches the CPU.
 * The WebGPU half is skipped with a printed reason without an adapter, except under CI=true with
 * DIVA_REQUIRE_WEBGPU=1.
 */
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { divaEnv } from "@diva/tensor";
import { ensureTensorBuilt } from "../ensure-built.js";

const here = dirname(fileURLToPath(import.meta.url));
const required = process.env.CI === "true" && divaEnv("DIVA_REQUIRE_WEBGPU") === "1";

interface Run {
  device: string;
  adapter: string | null;
  loss: number;
  grad: number[];
}

/** Runs forward-backward.mjs on `device` in a fresh Node process (no "source" condition: the dist is used). */
function run(device: string): Run {
  const out = execFileSync(process.execPath, [join(here, "forward-backward.mjs"), device], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return JSON.parse(out.trim().split("\n").pop()!) as Run;
}

describe("the built @diva/tensor in Node", () => {
  beforeAll(() => ensureTensorBuilt(), 300_000);

  it("runs forward and backward on cpu and on webgpu, with matching results", () => {
    const cpu = run("cpu");
    expect(cpu.device).toBe("cpu");
    let gpu: Run;
    try {
      gpu = run("webgpu");
    } catch (e) {
      const reason = String((e as { stderr?: string }).stderr ?? e).split("\n").find((l) => l.includes("webgpu")) ?? String(e);
      if (required) throw new Error(`webgpu is required (CI=true, DIVA_REQUIRE_WEBGPU=1): ${reason}`);
      console.warn(`[built package] webgpu part skipped: ${reason}`);
      return;
    }
    console.log(`[built package] webgpu on ${gpu.adapter}: loss ${gpu.loss} (cpu ${cpu.loss})`);
    expect(gpu.device).toBe("webgpu");
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThanOrEqual(1e-4 * Math.abs(cpu.loss));
    gpu.grad.forEach((v, i) => expect(Math.abs(v - cpu.grad[i]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(cpu.grad[i]!))));
  }, 120_000);
});
