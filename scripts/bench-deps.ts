/**
 * Installs the benchmark peers on demand. They live in their own package (benchmarks/package.json and its
 * lock file: @tensorflow/tfjs*, @jax-js/jax, onnxruntime-node, about 600 MB), not in the root install, which
 * holds only what the demo and the tests need. The root `bench*` scripts run this first:
 *
 *   node --import tsx scripts/bench-deps.ts      (the same as: npm ci --prefix benchmarks, when needed)
 *
 * It runs `npm ci --prefix benchmarks` when benchmarks/node_modules is missing or differs from
 * benchmarks/package-lock.json, with ONNXRUNTIME_NODE_INSTALL=skip (onnxruntime-node would otherwise try to
 * download CUDA binaries; the CPU ones ship in the package) unless the caller set that variable. Benchmark
 * code then resolves the peers from benchmarks/node_modules and @diva/* from the root's node_modules.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The benchmarks package folder of this repository. */
export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "benchmarks");

/** npm ci may download a few hundred MB: generous, but bounded. */
const INSTALL_TIMEOUT_MS = 30 * 60_000;

/** Whether benchmarks/node_modules matches the lock file, and why not. */
export interface BenchDepsState {
  readonly state: "missing" | "stale" | "fresh";
  readonly reason: string;
}

interface LockEntry {
  version?: string;
  optional?: boolean;
  link?: boolean;
}

function lockPackages(file: string): Record<string, LockEntry> {
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { packages?: Record<string, LockEntry> };
  if (typeof parsed.packages !== "object" || parsed.packages === null) throw new Error(`${file}: no "packages" object (lockfileVersion 2 or 3 expected)`);
  return parsed.packages;
}

/**
 * Compares `dir`/package-lock.json with npm's record of what it installed (`dir`/node_modules/.package-lock.json):
 * every non-optional package of the lock must be installed at the locked version.
 */
export function benchDepsState(dir: string = BENCH_DIR): BenchDepsState {
  const lockFile = join(dir, "package-lock.json");
  const installedFile = join(dir, "node_modules", ".package-lock.json");
  if (!existsSync(lockFile)) throw new Error(`${lockFile} is missing: the benchmarks package needs its lock file`);
  if (!existsSync(installedFile)) return { state: "missing", reason: `${join(dir, "node_modules")} is not installed` };
  let installed: Record<string, LockEntry>;
  try {
    installed = lockPackages(installedFile);
  } catch (e) {
    return { state: "stale", reason: `cannot read ${installedFile}: ${(e as Error).message}` };
  }
  for (const [path, entry] of Object.entries(lockPackages(lockFile))) {
    if (path === "" || entry.optional || entry.link) continue;
    const got = Object.hasOwn(installed, path) ? installed[path] : undefined;
    if (!got) return { state: "stale", reason: `${path} is not installed` };
    if (got.version !== entry.version) return { state: "stale", reason: `${path} is ${got.version}, the lock says ${entry.version}` };
  }
  return { state: "fresh", reason: "benchmarks/node_modules matches benchmarks/package-lock.json" };
}

/** Runs a command with inherited output; returns its exit status and error. */
export type CommandRunner = (cmd: string, args: string[], env: NodeJS.ProcessEnv) => { status: number | null; error?: Error };

const runCommand: CommandRunner = (cmd, args, env) =>
  spawnSync(cmd, args, { stdio: "inherit", env, timeout: INSTALL_TIMEOUT_MS, shell: process.platform === "win32" });

/**
 * Installs the benchmark peers when they are missing or stale (`npm ci --prefix dir`); returns what it did.
 * Throws with npm's exit status when the install fails.
 */
export function ensureBenchDeps(dir: string = BENCH_DIR, run: CommandRunner = runCommand, log: (line: string) => void = console.error): "installed" | "fresh" {
  const s = benchDepsState(dir);
  if (s.state === "fresh") return "fresh";
  log(`bench: installing the benchmark peers (${s.reason}): npm ci --prefix ${dir}`);
  const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: process.env.ONNXRUNTIME_NODE_INSTALL ?? "skip" };
  const r = run("npm", ["ci", "--prefix", dir, "--no-audit", "--no-fund"], env);
  if (r.error) throw new Error(`bench: npm ci --prefix ${dir} failed to run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`bench: npm ci --prefix ${dir} exited with status ${r.status}`);
  return "installed";
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    ensureBenchDeps();
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
