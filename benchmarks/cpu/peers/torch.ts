/**
 * PyTorch (Debian's python3-torch) in a child Python process, driven over a JSON line protocol.
 *
 * Debian's PyTorch multiplies with OpenBLAS, which does not recognise recent processors (SSE3 kernels)
 * and busy-waits against PyTorch's own threads. The "tuned" configuration sets, for the Python process
 * only, OPENBLAS_CORETYPE from the CPU flags, OPENBLAS_NUM_THREADS and OMP_NUM_THREADS to the thread
 * count, and OMP_WAIT_POLICY=PASSIVE; the "default" configuration passes none of them.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BenchCase } from "../cases.js";
import type { Runner, Timing } from "./runner.js";

const script = fileURLToPath(new URL("../torch_bench.py", import.meta.url));

/** OpenBLAS core type matching this CPU (SkylakeX with AVX-512, Haswell with AVX2), if any. */
export function openblasCoretype(): string | undefined {
  let flags = "";
  try {
    flags = readFileSync("/proc/cpuinfo", "utf8").match(/^flags\s*:(.*)$/m)?.[1] ?? "";
  } catch {
    return undefined;
  }
  const has = (f: string): boolean => new RegExp(`\\b${f}\\b`).test(flags);
  if (has("avx512f") && has("avx512bw") && has("avx512vl")) return "SkylakeX";
  if (has("avx2") && has("fma")) return "Haswell";
  return undefined;
}

/** First Python interpreter that can import torch. */
function findPython(): string {
  for (const py of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(py, ["-c", "import torch"], { encoding: "utf8", timeout: 60_000 });
    if (r.status === 0) return py;
  }
  throw new Error("no python3 with torch (apt-get install python3-torch)");
}

/** Directory of Debian's reference BLAS (libblas3), which the loader can be pointed at instead of OpenBLAS. */
const REFERENCE_BLAS_DIR = "/usr/lib/x86_64-linux-gnu/blas";

/** Which PyTorch configuration to run. */
export type TorchConfig = "tuned" | "default" | "reference-blas";

/**
 * The request line for one case (the Python side draws its own inputs of the same shapes).
 */
function request(c: BenchCase, repeats: number): Record<string, unknown> {
  switch (c.part) {
    case "matmul":
      return { kind: "matmul", n: c.n, repeats };
    case "conv":
      return { kind: "conv", x: c.shape.x, w: c.shape.w, stride: c.shape.stride, pad: c.shape.pad, pass: c.pass, repeats };
    case "block":
      return { kind: "block", ...c.shape, repeats };
  }
}

/**
 * PyTorch with `threads` threads: "tuned" (see the module comment), "default" (Debian's environment,
 * whichever BLAS the libblas.so.3 alternative selects) or "reference-blas" (libblas3, what installing
 * python3-torch alone gives).
 */
export function torchRunner(threads: number, config: TorchConfig): Runner {
  const tuned = config === "tuned";
  let child: ChildProcessWithoutNullStreams | undefined;
  let buffered = "";
  const waiting: ((line: string) => void)[] = [];
  const lines: string[] = [];
  const nextLine = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const l = lines.shift();
      if (l !== undefined) return resolve(l);
      if (!child || child.exitCode !== null) return reject(new Error("python exited"));
      waiting.push(resolve);
    });
  const runner: Runner & { note: string } = {
    name: `pytorch (${config === "tuned" ? "OpenBLAS tuned env" : config === "default" ? "default env" : "reference BLAS"})`,
    threads,
    note: "",
    async setup() {
      const py = findPython();
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const k of ["OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY"]) delete env[k];
      if (tuned) {
        const core = openblasCoretype();
        if (core) env.OPENBLAS_CORETYPE = core;
        env.OPENBLAS_NUM_THREADS = String(threads);
        env.OMP_NUM_THREADS = String(threads);
        env.OMP_WAIT_POLICY = "PASSIVE";
      }
      if (config === "reference-blas") {
        if (!existsSync(`${REFERENCE_BLAS_DIR}/libblas.so.3`)) throw new Error(`no reference BLAS in ${REFERENCE_BLAS_DIR}`);
        env.LD_LIBRARY_PATH = REFERENCE_BLAS_DIR + (env.LD_LIBRARY_PATH ? `:${env.LD_LIBRARY_PATH}` : "");
      }
      const c = spawn(py, [script, String(threads)], { env });
      child = c;
      let stderr = "";
      c.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      c.stdout.on("data", (d: Buffer) => {
        buffered += d.toString();
        let i: number;
        while ((i = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, i);
          buffered = buffered.slice(i + 1);
          const w = waiting.shift();
          if (w) w(line);
          else lines.push(line);
        }
      });
      c.on("close", () => {
        for (const w of waiting.splice(0)) w(JSON.stringify({ error: stderr.trim().split("\n").pop() ?? "python exited" }));
      });
      const hello = JSON.parse(await nextLine()) as Record<string, unknown>;
      if (!hello.ready) throw new Error(String(hello.error ?? "python did not start"));
      const env2 = hello.env as Record<string, string>;
      runner.note =
        `torch ${String(hello.version)}, BLAS ${(hello.blas as string[]).join(" ") || "?"}` +
        (hello.openblas_core ? ` core ${String(hello.openblas_core)} threads ${String(hello.openblas_threads)}` : "") +
        `, mkldnn ${hello.mkldnn ? "available" : "not built"}` +
        (Object.keys(env2).length ? `; ${Object.entries(env2).map(([k, v]) => `${k}=${v}`).join(" ")}` : "; no OpenBLAS/OpenMP env");
    },
    async time(c: BenchCase, repeats: number): Promise<Timing> {
      child!.stdin.write(JSON.stringify(request(c, repeats)) + "\n");
      const res = JSON.parse(await nextLine()) as { times?: number[]; cpu?: number; error?: string };
      if (!res.times) throw new Error(res.error ?? "no times");
      return { wall: res.times, cpu: res.cpu ?? Number.NaN };
    },
    async close() {
      child?.stdin.end();
      child?.kill();
    },
  };
  return runner;
}
