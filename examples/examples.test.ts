/**
 * Runs the Node examples as a user would (`node --conditions=source --import tsx examples/X.ts`) and checks
 * what they print.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { divaEnv } from "@diva/tensor";
import { DEMO_ASSETS, DEMO_FILES } from "@diva/core/demo";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where the clip-zero-shot example reads the demo models (DIVA_DEMO_MODELS overrides the shipped folder). */
const demoModels = divaEnv("DIVA_DEMO_MODELS") ?? DEMO_ASSETS;

function runExample(file: string, args: string[] = [], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", join("examples", file), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("examples", () => {
  it("tensor-autograd.ts prints gradients, a fitted model and flat memory", () => {
    const r = runExample("tensor-autograd.ts");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("a + b = [ [ 11, 22, 33 ], [ 14, 25, 36 ] ]");
    expect(r.stdout).toContain("loss = 8.5 dloss/dw = [ [ -1.5, 3 ], [ -2.5, 5 ] ]");
    expect(r.stdout).toContain("second derivative of x^3 at 2 = 12");
    const [, w0, w1, w2] = /fitted w = \[ (\S+), (\S+), (\S+) \]/.exec(r.stdout) ?? [];
    expect(Number(w0)).toBeCloseTo(2, 1);
    expect(Number(w1)).toBeCloseTo(-1, 1);
    expect(Number(w2)).toBeCloseTo(0.5, 1);
    const [, before, after] = /live tensors before\/after the loop: (\d+) (\d+)/.exec(r.stdout) ?? [];
    expect(after).toBe(before);
    expect(r.stdout).toContain("kept = [ 3, 5, 7 ]");
  });

  it("clip-zero-shot.ts classifies synthetic images with the tiny demo CLIP", (ctx) => {
    const shipped = Object.values(DEMO_FILES).every((f) => existsSync(join(demoModels, f)));
    if (!shipped) {
      // Before the demo weights ship: the example must say what is missing and how to build it.
      const r = runExample("clip-zero-shot.ts", [demoModels], { DIVA_EXAMPLES_ALLOW_MISSING_MODELS: "1" });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("npm run demo:build-models");
      const strict = runExample("clip-zero-shot.ts", [demoModels]);
      expect(strict.code).toBe(1);
      ctx.skip(`the demo models are not in ${demoModels} yet (npm run demo:build-models)`);
      return;
    }
    const r = runExample("clip-zero-shot.ts", [demoModels]);
    expect(r.code, r.stderr).toBe(0);
    const m = /zero-shot accuracy: (\d+)\/(\d+) = ([\d.]+)% \(chance ([\d.]+)%\)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const [, correct, total, , chance] = m!;
    expect(Number(total)).toBeGreaterThan(0);
    // The shipped tiny CLIP is trained on this world: it must beat chance.
    expect((100 * Number(correct)) / Number(total)).toBeGreaterThan(Number(chance));
  });
});
