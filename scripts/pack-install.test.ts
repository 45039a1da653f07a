/**
 * The packages as a user gets them: builds the three packages, packs them (`npm pack`), installs the tarballs
 * into an empty project (`npm install --prefer-offline`: from the local npm cache where it can), and runs
 * there with plain `node` (no tsx, no "source" condition): a tensor op and its gradient, `diva demo --help`
 * and a two-step `diva demo --quick`; and type-checks a consumer (of the root entries and the subpaths
 * `@diva/core/demo`, `@diva/core/full-scale` and `@diva/tensor/cpu-kernels`) with `skipLibCheck: false`.
 * Slow (a build, an install, a demo run): runs under CI=true or DIVA_PACK_TEST=1, else skips with the reason.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { divaEnv } from "@diva/tensor";
import { ensureTensorBuilt } from "../examples/ensure-built.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const enabled = process.env.CI === "true" || divaEnv("DIVA_PACK_TEST") === "1";
if (!enabled) console.log("[pack-install] skipped: slow (build, npm pack, install, demo run); set DIVA_PACK_TEST=1 (CI=true runs it)");

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Run {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, NODE_OPTIONS: "" }, maxBuffer: 64 << 20 });
  console.log(`[pack-install] ${cmd} ${args.join(" ")}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (r.error) throw new Error(`${cmd} ${args.join(" ")}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: Run, what: string): Run {
  if (r.status !== 0) throw new Error(`${what} exited with ${r.status}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  return r;
}

const OP = `import { matmul, square, sum, tensor, valueAndGrad } from "@diva/tensor";
const w = tensor([[1, 2], [3, 4]]);
const x = tensor([[0.5], [-1]]);
const [loss, g] = valueAndGrad((w) => sum(square(matmul(w, x))))(w);
console.log(JSON.stringify({ loss: await loss.item(), grad: await g.array() }));
`;

const CONSUMER_TS = `import { tensor, valueAndGrad, sum, square, type Tensor } from "@diva/tensor";
import { ClipTokenizer, loadClip } from "@diva/nn";
import { postTrain } from "@diva/core";
import { DEMO_FILES, loadDemoModels, zeroShotPrompt } from "@diva/core/demo";
import { fullScaleModels, type MemoryPlan } from "@diva/core/full-scale";
import { cpuKernelInfo, type StridedMatrix } from "@diva/tensor/cpu-kernels";
const [loss] = valueAndGrad((w: Tensor) => sum(square(w)))(tensor([1, 2, 3]));
console.log(await loss.item(), typeof ClipTokenizer.default, typeof loadClip, typeof postTrain);
console.log(DEMO_FILES.clip, typeof loadDemoModels, zeroShotPrompt("circle"));
const plan: MemoryPlan | undefined = undefined;
const view: StridedMatrix = { data: new Float32Array(1), offset: 0, rowStride: 1, colStride: 1 };
console.log(fullScaleModels("openai-vit-l-14").unet.sample_size, cpuKernelInfo().wasm, plan, view.offset);
`;

describe.skipIf(!enabled)("packed packages installed into an empty project", () => {
  const work = mkdtempSync(join(tmpdir(), "diva-pack-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("install, then a tensor op with plain node, a typed consumer, diva demo --help and a two-step demo", () => {
    ensureTensorBuilt();
    ok(run("npm", ["run", "build", "-w", "packages/nn", "-w", "packages/diva"], root, 600_000), "npm run build");
    const tarballs = join(work, "tarballs");
    mkdirSync(tarballs);
    for (const p of ["tensor", "nn", "diva"]) ok(run("npm", ["pack", "--pack-destination", tarballs, "--ignore-scripts"], join(root, "packages", p), 120_000), `npm pack ${p}`);
    const tgz = readdirSync(tarballs).map((f) => join(tarballs, f));
    expect(tgz).toHaveLength(3);

    const app = join(work, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "diva-pack-consumer", version: "0.0.0", private: true, type: "module" }));
    ok(run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...tgz], app, 600_000), "npm install");

    const op = JSON.parse(ok(run(process.execPath, ["-e", OP, "--input-type=module"], app, 120_000), "tensor op").stdout.trim().split("\n").pop()!) as { loss: number; grad: number[][] };
    expect(op).toEqual({ loss: 8.5, grad: [[-1.5, 3], [-2.5, 5]] });

    writeFileSync(join(app, "consumer.ts"), CONSUMER_TS);
    const tsconfig = { compilerOptions: { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", skipLibCheck: false, noEmit: true }, files: ["consumer.ts"] };
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify(tsconfig));
    const tsc = run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", app], app, 300_000);
    expect(tsc.stdout + tsc.stderr, "tsc with skipLibCheck false").toBe("");
    expect(tsc.status).toBe(0);

    const diva = join(app, "node_modules", ".bin", "diva");
    const help = ok(run(diva, ["demo", "--help"], app, 120_000), "diva demo --help");
    expect(help.stdout).toContain("--quick");
    const demo = ok(run(diva, ["demo", "--quick", "--steps", "2", "--seeds", "1", "--out", join(app, "report")], app, 600_000), "diva demo --quick");
    expect(demo.stdout).toContain("MMVP average");
    expect(existsSync(join(app, "report", "report.json"))).toBe(true);
    const report = JSON.parse(readFileSync(join(app, "report", "report.json"), "utf8")) as Record<string, unknown>;
    expect(Object.keys(report).length).toBeGreaterThan(0);
  }, 1_800_000);
});
