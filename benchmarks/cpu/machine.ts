/**
 * A one-line description of the machine and runtime for the benchmark header.
 */
import os from "node:os";
import { readFileSync } from "node:fs";
import { cpuKernelInfo } from "@diva/tensor/cpu-kernels";

/** Machine facts reported with the results. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  simdFlags: string[];
  node: string;
  v8: string;
  platform: string;
  kernel: string;
  /** 1-minute load average when the benchmark started (other processes skew the figures). */
  loadAverage: number;
}

/** Collects the machine facts. */
export function machineInfo(): MachineInfo {
  let flags = "";
  try {
    flags = readFileSync("/proc/cpuinfo", "utf8").match(/^flags\s*:(.*)$/m)?.[1] ?? "";
  } catch {
    flags = "";
  }
  const simdFlags = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16"].filter((f) =>
    new RegExp(`\\b${f}\\b`).test(flags),
  );
  const k = cpuKernelInfo();
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism(),
    simdFlags,
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    kernel: `wasm=${k.wasm} relaxed-simd=${k.relaxedSimd} shared-memory=${k.sharedMemory} tile=${k.tile}`,
    loadAverage: os.loadavg()[0]!,
  };
}

/** The header line. */
export function describeMachine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores [${m.simdFlags.join(" ")}]; Node ${m.node} (V8 ${m.v8}), ${m.platform}; diva kernels: ${m.kernel}; load average ${m.loadAverage.toFixed(2)}`;
}
