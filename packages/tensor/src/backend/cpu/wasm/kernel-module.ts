/**
 * Assembles the kernel module: one imported memory (shared where threads are possible) and the exported
 * kernels that threads run as tasks.
 */
import { ModuleBuilder } from "./asm/module.js";
import { emitGemm, type GemmBlocking } from "./gemm-kernel.js";
import { emitSoftmax } from "./softmax-kernel.js";
import { emitWinograd } from "./winograd-kernel.js";
import { emitActivation } from "./activation-kernel.js";
import { emitBinary } from "./binary-kernel.js";
import { emitColSums, emitRowMoments } from "./reduce-kernel.js";
import { emitNormRows, emitNormSegments } from "./norm-kernel.js";
import { emitCopyRuns } from "./copy-kernel.js";
import { emitNormGradApply, emitNormGradSums } from "./norm-grad-kernel.js";

/** Exported kernels that can run as pool tasks, in task-index order. Every parameter is an i32. */
export const taskKernels = ["gemmBatch", "gemmChunks", "packBStrips", "softmaxRows", "winogradInput", "winogradOutput", "activation", "binary", "rowMoments", "colSums", "normSegments", "normRows", "copyRuns", "normGradSums", "normGradApply"] as const;

/** Name of a task kernel. */
export type TaskKernel = (typeof taskKernels)[number];

/** Options for building the kernel module. */
interface KernelModuleOptions {
  /** Use relaxed-SIMD fused multiply-add. */
  relaxed: boolean;
  /** Import a shared memory (required for workers). */
  shared: boolean;
  /** Maximum memory size in 64 KiB pages (must match the memory passed at instantiation). */
  maximumPages: number;
  /** GEMM blocking. */
  blocking: GemmBlocking;
}

/** Emits the kernel module bytes. */
export function buildKernelModule(opts: KernelModuleOptions): Uint8Array<ArrayBuffer> {
  const mod = new ModuleBuilder(opts.relaxed);
  mod.importMemory({ module: "env", name: "memory", initialPages: 1, maximumPages: opts.maximumPages, shared: opts.shared });
  emitGemm(mod, opts.blocking);
  emitSoftmax(mod);
  emitWinograd(mod);
  const activation = emitActivation(mod);
  emitBinary(mod);
  emitRowMoments(mod);
  emitColSums(mod);
  emitNormSegments(mod, activation);
  emitNormRows(mod);
  emitCopyRuns(mod);
  emitNormGradSums(mod);
  emitNormGradApply(mod);
  return mod.encode();
}
