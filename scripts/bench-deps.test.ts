/**
 * The benchmark peers are a separate package installed on demand: the root install does not carry them, the
 * root bench scripts install them first, and the installer notices a missing or stale benchmarks/node_modules.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { benchDepsState, ensureBenchDeps, type CommandRunner } from "./bench-deps.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const PEERS = ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "@tensorflow/tfjs-backend-webgpu", "@jax-js/jax", "onnxruntime-node"];

interface Pkg {
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  workspaces?: string[];
}
const readJson = <T>(p: string): T => JSON.parse(readFileSync(p, "utf8")) as T;

describe("the root install", () => {
  const pkg = readJson<Pkg>(join(root, "package.json"));

  it("does not carry the benchmark peers; benchmarks/package.json does, with its own lock, outside the workspaces", () => {
    const rootDeps = { ...pkg.dependencies, ...pkg.devDependencies };
    for (const p of PEERS) expect(rootDeps, p).not.toHaveProperty(p);
    const bench = readJson<Pkg>(join(root, "benchmarks", "package.json"));
    for (const p of PEERS) expect(bench.dependencies, p).toHaveProperty(p);
    expect(existsSync(join(root, "benchmarks", "package-lock.json"))).toBe(true);
    expect(pkg.workspaces ?? []).not.toContain("benchmarks");
    const lock = readJson<{ packages: Record<string, unknown> }>(join(root, "package-lock.json"));
    for (const p of PEERS) expect(Object.keys(lock.packages), p).not.toContain(`node_modules/${p}`);
  });

  it("every bench script installs the peers first", () => {
    const bench = Object.entries(pkg.scripts).filter(([name]) => name.startsWith("bench") && name !== "bench:deps");
    expect(bench.map(([n]) => n)).toEqual(expect.arrayContaining(["bench", "bench:diva-step", "bench:cpu"]));
    for (const [name, cmd] of bench) expect(cmd, name).toMatch(/^node --import tsx scripts\/bench-deps\.ts && /);
    expect(pkg.scripts["typecheck:bench"]).toMatch(/scripts\/bench-deps\.ts && tsc -p benchmarks\/tsconfig\.json/);
  });

  it("the root typecheck leaves out benchmarks/ and the project .npmrc sets nothing npm warns about", () => {
    const ts = readJson<{ include: string[] }>(join(root, "tsconfig.json"));
    expect(ts.include).not.toContain("benchmarks");
    const npmrc = join(root, ".npmrc");
    if (existsSync(npmrc)) expect(readFileSync(npmrc, "utf8")).not.toMatch(/onnxruntime-node-install/);
  });
});

describe("benchDepsState / ensureBenchDeps", () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  function fakeBench(installed: Record<string, { version: string }> | null): string {
    const dir = mkdtempSync(join(tmpdir(), "diva-bench-deps-"));
    dirs.push(dir);
    const packages = { "": { name: "b" }, "node_modules/a": { version: "1.0.0" }, "node_modules/opt": { version: "2.0.0", optional: true } };
    writeFileSync(join(dir, "package-lock.json"), JSON.stringify({ lockfileVersion: 3, packages }));
    if (installed) {
      mkdirSync(join(dir, "node_modules"));
      writeFileSync(join(dir, "node_modules", ".package-lock.json"), JSON.stringify({ lockfileVersion: 3, packages: installed }));
    }
    return dir;
  }

  it("is missing without node_modules, stale on a version or package mismatch, fresh otherwise", () => {
    expect(benchDepsState(fakeBench(null)).state).toBe("missing");
    const old = benchDepsState(fakeBench({ "node_modules/a": { version: "0.9.0" } }));
    expect(old).toEqual({ state: "stale", reason: "node_modules/a is 0.9.0, the lock says 1.0.0" });
    expect(benchDepsState(fakeBench({})).reason).toBe("node_modules/a is not installed");
    // Optional packages (other platforms' binaries) need not be installed.
    expect(benchDepsState(fakeBench({ "node_modules/a": { version: "1.0.0" } })).state).toBe("fresh");
  });

  it("runs npm ci --prefix with ONNXRUNTIME_NODE_INSTALL=skip only when needed, and reports a failed install", () => {
    const calls: { cmd: string; args: string[]; skip: string | undefined }[] = [];
    const ok: CommandRunner = (cmd, args, env) => {
      calls.push({ cmd, args, skip: env.ONNXRUNTIME_NODE_INSTALL });
      return { status: 0 };
    };
    const missing = fakeBench(null);
    const saved = process.env.ONNXRUNTIME_NODE_INSTALL;
    delete process.env.ONNXRUNTIME_NODE_INSTALL;
    try {
      expect(ensureBenchDeps(missing, ok, () => {})).toBe("installed");
    } finally {
      if (saved !== undefined) process.env.ONNXRUNTIME_NODE_INSTALL = saved;
    }
    expect(calls).toEqual([{ cmd: "npm", args: ["ci", "--prefix", missing, "--no-audit", "--no-fund"], skip: "skip" }]);
    expect(ensureBenchDeps(fakeBench({ "node_modules/a": { version: "1.0.0" } }), ok, () => {})).toBe("fresh");
    expect(calls).toHaveLength(1);
    const failing: CommandRunner = () => ({ status: 1 });
    expect(() => ensureBenchDeps(fakeBench(null), failing, () => {})).toThrow(/npm ci --prefix .* exited with status 1/);
  });
});
