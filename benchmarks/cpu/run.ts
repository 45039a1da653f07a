/**
 * CPU matmul benchmark: GFLOP/s of f32 square matmul for our WebAssembly SIMD kernels (1 thread and all
 * threads) and peers, all in the same run, with medians over interleaved rounds and ratios.
 *
 *   node --import tsx benchmarks/cpu/run.ts [--sizes 128,256,512,1024,2048] [--rounds 3]
 *        [--threads N] [--only diva,tfjs,jax,ort,torch] [--json PATH]
 *
 * Peers that fail to load are listed as "unavailable: reason".
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import { describeMachine, machineInfo } from "./machine.js";
import { divaRunner } from "./peers/diva.js";
import { jaxWasmRunner } from "./peers/jax.js";
import { ortRunner } from "./peers/ort.js";
import type { MatmulInputs, MatmulRunner } from "./peers/runner.js";
import { tfjsWasmRunner } from "./peers/tfjs.js";
import { torchRunner } from "./peers/torch.js";
import { gflops, median, repeatsFor } from "./stats.js";

interface Args {
  sizes: number[];
  rounds: number;
  threads: number;
  only: string[] | undefined;
  json: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    sizes: (get("--sizes") ?? "128,256,512,1024,2048").split(",").map(Number),
    rounds: Number(get("--rounds") ?? 3),
    threads: Number(get("--threads") ?? os.availableParallelism()),
    only: get("--only")?.split(","),
    json: get("--json"),
  };
}

interface Entry {
  key: string;
  runner: MatmulRunner;
  status: "ok" | string;
  /** Wall-clock seconds per run, by size. */
  times: Map<number, number[]>;
  /** Process CPU seconds over all timed runs, by size. */
  cpu: Map<number, number>;
  errors: Map<number, string>;
}

/** One result row of the JSON output. */
interface Row {
  runner: string;
  threads: number;
  size: number;
  medianMs: number | null;
  gflops: number | null;
  /** GFLOP per CPU-second of the contender's process (all its threads): efficiency, robust to load. */
  gflopsPerCpuSecond: number | null;
  samples: number;
  status: string;
}

/** Lets spinning peer threads (OpenMP, onnxruntime) go idle before the next contender is timed. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300));

function randomMatrix(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n * n);
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const T = args.threads;
  const candidates: [string, MatmulRunner][] = [
    ["diva", divaRunner(1)],
    ["diva", divaRunner(T)],
    ["diva", divaRunner(T, true)],
    ["tfjs", tfjsWasmRunner()],
    ["jax", jaxWasmRunner()],
    ["ort", ortRunner(1)],
    ["ort", ortRunner(T)],
    ["torch", torchRunner(1, "tuned")],
    ["torch", torchRunner(T, "tuned")],
    ["torch", torchRunner(T, "default")],
    ["torch", torchRunner(T, "reference-blas")],
  ];
  const machine = machineInfo();
  console.log(`machine: ${describeMachine(machine)}`);
  const entries: Entry[] = [];
  for (const [key, runner] of candidates) {
    if (args.only && !args.only.includes(key)) continue;
    const e: Entry = { key, runner, status: "ok", times: new Map(), cpu: new Map(), errors: new Map() };
    try {
      await runner.setup();
    } catch (err) {
      e.status = `unavailable: ${(err as Error).message.split("\n")[0]}`;
    }
    entries.push(e);
  }
  const live = (): Entry[] => entries.filter((e) => e.status === "ok");
  for (const n of args.sizes) {
    const inputs: MatmulInputs = { n, a: randomMatrix(n, 1), b: randomMatrix(n, 2) };
    const reps = Math.max(1, Math.round(repeatsFor(n) / args.rounds));
    for (const e of live()) {
      await settle();
      try {
        await e.runner.time(inputs, Math.max(1, Math.ceil(reps / 2))); // warm-up
        e.times.set(n, []);
        e.cpu.set(n, 0);
      } catch (err) {
        e.errors.set(n, (err as Error).message.split("\n")[0]!);
      }
    }
    for (let r = 0; r < args.rounds; r++) {
      for (const e of live()) {
        const ts = e.times.get(n);
        if (!ts) continue;
        await settle();
        try {
          const t = await e.runner.time(inputs, reps);
          ts.push(...t.wall);
          e.cpu.set(n, e.cpu.get(n)! + t.cpu);
        } catch (err) {
          e.errors.set(n, (err as Error).message.split("\n")[0]!);
          e.times.delete(n);
        }
      }
    }
    process.stderr.write(`  size ${n} done\n`);
  }
  for (const e of entries) await e.runner.close();

  // Table of GFLOP/s.
  const rows: Row[] = [];
  const label = (e: Entry): string => `${e.runner.name} (${e.runner.threads} thr)`;
  const width = Math.max(...entries.map((e) => label(e).length), 10);
  const col = (s: string): string => s.padStart(9);
  console.log(`\nf32 matmul n x n x n, GFLOP/s (median of ${args.rounds} interleaved rounds)`);
  console.log(`${"".padEnd(width)} ${args.sizes.map((n) => col(String(n))).join("")}`);
  for (const e of entries) {
    const cells = args.sizes.map((n) => {
      const ts = e.times.get(n);
      const status = e.status !== "ok" ? e.status : e.errors.get(n) ?? "ok";
      const med = ts && ts.length ? median(ts) : null;
      const cpu = e.cpu.get(n);
      const perCpu = ts?.length && cpu ? (2 * n ** 3 * ts.length) / cpu / 1e9 : null;
      rows.push({ runner: e.runner.name, threads: e.runner.threads, size: n, medianMs: med === null ? null : med * 1e3, gflops: med === null ? null : gflops(n, med), gflopsPerCpuSecond: perCpu, samples: ts?.length ?? 0, status });
      return col(med === null ? "-" : gflops(n, med).toFixed(1));
    });
    const tail = e.status !== "ok" ? `  ${e.status}` : e.errors.size ? `  errors: ${[...e.errors].map(([n, m]) => `${n}: ${m}`).join("; ")}` : "";
    console.log(`${label(e).padEnd(width)} ${cells.join("")}${tail}`);
  }
  // Ratios of our all-threads kernel to every other row.
  const ours = entries.find((e) => e.runner === candidates[1]![1] && e.status === "ok") ?? entries.find((e) => e.key === "diva");
  if (ours) {
    console.log(`\nratio: ${label(ours)} / row (>1 means ours is faster)`);
    for (const e of entries) {
      if (e === ours || e.status !== "ok") continue;
      const cells = args.sizes.map((n) => {
        const a = ours.times.get(n), b = e.times.get(n);
        return col(a?.length && b?.length ? (median(b) / median(a)).toFixed(2) + "x" : "-");
      });
      console.log(`${label(e).padEnd(width)} ${cells.join("")}`);
    }
  }
  console.log(`\nGFLOP per CPU-second of the contender's process (all threads; efficiency, less sensitive to load)`);
  for (const e of entries) {
    if (e.status !== "ok") continue;
    const cells = args.sizes.map((n) => {
      const r = rows.find((x) => x.runner === e.runner.name && x.threads === e.runner.threads && x.size === n);
      return col(r?.gflopsPerCpuSecond == null || !Number.isFinite(r.gflopsPerCpuSecond) ? "-" : r.gflopsPerCpuSecond.toFixed(1));
    });
    console.log(`${label(e).padEnd(width)} ${cells.join("")}`);
  }
  console.log(`\nload average at the end: ${os.loadavg()[0]!.toFixed(2)} (figures are only comparable on an otherwise idle machine)`);
  const notes = entries.filter((e) => e.runner.note);
  if (notes.length) console.log("");
  for (const e of notes) console.log(`${label(e)}: ${e.runner.note}`);
  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ machine, date: new Date().toISOString(), rounds: args.rounds, rows }, null, 2));
    console.log(`\nwrote ${args.json}`);
  }
}

await main();
