/**
 * WebAssembly feature probes: fixed-width SIMD (required by the kernels), relaxed SIMD (fused multiply-add,
 * used where the engine validates it) and shared memory (required for threads).
 */
import { ModuleBuilder } from "./asm/module.js";
import { V } from "./asm/expr.js";
import { envVar, hasSharedArrayBuffer, nodeV8 } from "./env.js";

/** The features the kernel module can use in this engine. */
interface WasmFeatures {
  /** 128-bit SIMD (`v128`); without it the kernels are unavailable. */
  readonly simd: boolean;
  /** Relaxed SIMD (`f32x4.relaxed_madd`). */
  readonly relaxedSimd: boolean;
  /** Shared `WebAssembly.Memory` (threads). */
  readonly sharedMemory: boolean;
}

function probe(relaxed: boolean): boolean {
  try {
    const m = new ModuleBuilder(relaxed);
    m.func(undefined, ["v128"] as const, "v128", (c, [x]) => c.push(V.fma(x, x, x)));
    return WebAssembly.validate(m.encode());
  } catch {
    return false;
  }
}

function probeShared(): boolean {
  if (!hasSharedArrayBuffer()) return false;
  try {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return mem.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

let cached: WasmFeatures | undefined;

/**
 * Probes the engine once. Relaxed SIMD is standard (WebAssembly 3.0) and on by default from V8 11.4
 * (Chrome 114, Node 22); Node 20's V8 11.3 has it behind `--experimental-wasm-relaxed-simd`, so under Node
 * that flag is switched on here when the probe fails (the GEMM is ~30% faster with fused multiply-add).
 * `DIVA_WASM_RELAXED=0` disables relaxed SIMD (no flag is touched).
 */
export function wasmFeatures(): WasmFeatures {
  if (cached) return cached;
  const want = envVar("DIVA_WASM_RELAXED");
  if (want !== "0" && nodeV8 && !probe(true)) {
    try {
      nodeV8.setFlagsFromString("--experimental-wasm-relaxed-simd");
    } catch {
      // Keep plain SIMD.
    }
  }
  const simd = probe(false);
  cached = { simd, relaxedSimd: simd && want !== "0" && probe(true), sharedMemory: probeShared() };
  return cached;
}
