/**
 * Where the CPU time of a DIVA step goes: runs the benchmark's step on the CPU backend with every kernel of
 * the backend wrapped in a timer, and prints per op kind the process CPU time (all threads: the worker
 * pool's included) and calls per step, the step's wall and CPU time, and the bytes the WebAssembly
 * kernels copied into and out of their memory.
 *
 *   node --conditions=source --import tsx benchmarks/diva-step/profile.ts [--steps 4] [--warmup 1] [--json PATH]
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import { getBackend, useBackend, type KernelAttrs } from "@diva/tensor";
import { cpuKernelInfo } from "@diva/tensor/cpu-kernels";
import { runOurs } from "./ours.js";

function arg(flag: string, dflt: number): number {
  const i = process.argv.indexOf(flag);
  if (i < 0) return dflt;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got ${process.argv[i + 1]}`);
  return n;
}

/** The op kind a call is counted under (conv2d split by its shape class, as in docs/benchmarks.md). */
function kindOf(name: string, attrs: unknown): string {
  if (name === "conv2d") {
    const a = attrs as KernelAttrs["conv2d"];
    const is3x3s1 = a.kernel[0] === 3 && a.kernel[1] === 3 && a.stride[0] === 1 && a.stride[1] === 1;
    return is3x3s1 ? "conv2d 3x3 s1" : "conv2d other";
  }
  return name;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  const steps = arg("--steps", 4), warmup = arg("--warmup", 1);
  const jsonAt = process.argv.indexOf("--json");
  const jsonPath = jsonAt >= 0 ? process.argv[jsonAt + 1] : undefined;
  await useBackend("cpu");
  const backend = getBackend("cpu");
  const table = backend.kernels as unknown as Record<string, (...a: unknown[]) => unknown>;
  const byKind = new Map<string, { ms: number; calls: number }>();
  let counting = false;
  for (const name of Object.keys(table)) {
    const k = table[name]!;
    table[name] = (inputs: unknown, attrs: unknown, out: unknown) => {
      if (!counting) return k(inputs, attrs, out);
      const t0 = cpuMs();
      const r = k(inputs, attrs, out);
      const kind = kindOf(name, attrs);
      const e = byKind.get(kind) ?? { ms: 0, calls: 0 };
      e.ms += cpuMs() - t0;
      e.calls++;
      byKind.set(kind, e);
      return r;
    };
  }
  const cpuAtStep: number[] = [];
  let copyAtWarmupEnd = { in: 0, out: 0 };
  const load0 = os.loadavg()[0]!;
  const res = await runOurs("cpu", steps, warmup, (line) => {
    const m = /step (\d+)\//.exec(line);
    if (!m) return;
    const i = Number(m[1]);
    cpuAtStep.push(cpuMs());
    if (i === warmup) {
      counting = true;
      const info = cpuKernelInfo();
      copyAtWarmupEnd = { in: info.copiedInBytes, out: info.copiedOutBytes };
    }
    process.stderr.write(line + "\n");
  });
  const info = cpuKernelInfo();
  const copied = { in: (info.copiedInBytes - copyAtWarmupEnd.in) / steps, out: (info.copiedOutBytes - copyAtWarmupEnd.out) / steps };
  const stepCpu = (cpuAtStep[cpuAtStep.length - 1]! - cpuAtStep[warmup - 1]!) / steps;
  const wall = res.timesMs.reduce((a, b) => a + b, 0) / steps;
  const kinds = [...byKind.entries()].map(([kind, e]) => ({ kind, msPerStep: e.ms / steps, callsPerStep: e.calls / steps })).sort((a, b) => b.msPerStep - a.msPerStep);
  const total = kinds.reduce((s, k) => s + k.msPerStep, 0);
  const load1 = os.loadavg()[0]!;
  console.log(`DIVA step profile, ${steps} steps after ${warmup} warm-up; load ${load0.toFixed(2)} -> ${load1.toFixed(2)}; threads ${info.requestedThreads}`);
  console.log(`wall ${wall.toFixed(0)} ms/step, process CPU ${stepCpu.toFixed(0)} ms/step, kernel CPU ${total.toFixed(0)} ms/step`);
  console.log(`copied into / out of the kernel memory: ${(copied.in / 1e6).toFixed(1)} / ${(copied.out / 1e6).toFixed(1)} MB per step`);
  console.log("| op kind | CPU ms/step | share | calls/step |\n|---|---:|---:|---:|");
  for (const k of kinds) console.log(`| ${k.kind} | ${k.msPerStep.toFixed(1)} | ${((100 * k.msPerStep) / total).toFixed(1)}% | ${k.callsPerStep.toFixed(0)} |`);
  if (jsonPath) writeFileSync(jsonPath, JSON.stringify({ steps, warmup, load: [load0, load1], wallMs: wall, cpuMs: stepCpu, kernelCpuMs: total, copied, kinds, losses: res.losses }, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
