/**
 * Runs `torch_step.py` with Debian's PyTorch in a child process, with the fair-baseline environment of
 * DESIGN.md section 9 set for that process only, and reads the JSON it prints last.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { divaEnv } from "@diva/tensor";
import type { ShapeMaps } from "./ours.js";

/** The interpreter that has Debian's python3-torch (`DIVA_TORCH_PYTHON` overrides it). */
export const PYTHON = divaEnv("DIVA_TORCH_PYTHON") ?? "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("./torch_step.py", import.meta.url));

/** What torch_step.py reports. */
export interface TorchResult {
  torch: string;
  python: string;
  threads: number;
  interop_threads: number;
  env: Record<string, string>;
  blas: string[];
  openblas_core: string | null;
  mkldnn: boolean;
  times_ms: number[];
  losses: number[];
  forward_macs: { clip: number; vae: number; unet: number };
  shapes: ShapeMaps;
}

/**
 * The environment for the PyTorch process: OpenBLAS told the core type the CPU flags support (it does not
 * recognise recent processors and falls back to SSE3 kernels otherwise), one OpenBLAS thread per PyTorch
 * thread, and passive OpenMP waiting (no busy-waiting against PyTorch's own threads).
 */
export function fairTorchEnv(threads: number): Record<string, string> {
  let flags = "";
  try {
    flags = readFileSync("/proc/cpuinfo", "utf8").match(/^flags\s*:(.*)$/m)?.[1] ?? "";
  } catch {
    flags = "";
  }
  const env: Record<string, string> = {
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
    OMP_WAIT_POLICY: "PASSIVE",
  };
  if (/\bavx512f\b/.test(flags)) env.OPENBLAS_CORETYPE = "SkylakeX";
  else if (/\bavx2\b/.test(flags)) env.OPENBLAS_CORETYPE = "Haswell";
  return env;
}

/** Runs the PyTorch step; rejects with a one-line reason when PyTorch cannot run here. */
export async function runTorch(spec: Record<string, unknown>, steps: number, warmup: number, log: (s: string) => void): Promise<{ result: TorchResult; env: Record<string, string> }> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found (apt-get install python3-torch)`);
  const threads = os.availableParallelism();
  const env = fairTorchEnv(threads);
  // Only the variables above are changed; inherited OPENBLAS_*/OMP_* settings of this process are overridden.
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!env.OPENBLAS_CORETYPE) delete childEnv.OPENBLAS_CORETYPE;
  const args = [SCRIPT, "--spec", JSON.stringify(spec), "--steps", String(steps), "--warmup", String(warmup), "--threads", String(threads)];
  const child = spawn(PYTHON, args, { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => {
    const s = d.toString();
    stderr += s;
    for (const line of s.split("\n")) if (line.startsWith("torch step")) log(`  ${line}`);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) {
    const missing = /No module named '?torch'?/.exec(stderr);
    const lastLine = stderr.trim().split("\n").pop() ?? "";
    throw new Error(missing ? `python3-torch is not installed (${PYTHON}: ${missing[0]})` : `torch_step.py exited with ${code}: ${lastLine}`);
  }
  const last = stdout.trim().split("\n").pop() ?? "";
  try {
    return { result: JSON.parse(last) as TorchResult, env };
  } catch {
    throw new Error(`torch_step.py printed no JSON result (last line: ${last.slice(0, 200)})`);
  }
}
