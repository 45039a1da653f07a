import { getBackend, initBackend, WebGPUBackend } from "@diva/tensor";
import { resolveRunSettings, type PrecisionOption } from "../train/post-train-options.js";
import type { DivaPreset } from "../presets.js";
import { DISCRETE_GPU_LIMITS, memoryPlan, WEBGPU_DEFAULT_LIMITS, type BufferLimits, type MemoryPlan } from "./memory-plan.js";

/** What `diva post-train --dry-run` needs. */
interface DryRunOptions {
  readonly preset: DivaPreset;
  readonly clip?: string;
  readonly sd?: string;
  readonly imagesPerStep?: number;
  readonly microBatch?: number;
  readonly device: "cpu" | "webgpu";
  readonly checkpointActivations: boolean;
  /** Arithmetic (default fp32): "mixed" plans the frozen models in float16. */
  readonly precision?: PrecisionOption;
}

/**
 * The WebGPU adapter's buffer limits when an adapter can be opened, next to WebGPU's defaults and a typical
 * discrete GPU's; the defaults alone (with the reason) when there is none.
 */
async function webgpuLimits(): Promise<{ limits: BufferLimits[]; note?: string; f16?: boolean }> {
  try {
    await initBackend("webgpu");
    const b = getBackend("webgpu");
    if (b instanceof WebGPUBackend) {
      const l = b.ctx.limits;
      return {
        limits: [{ name: `adapter ${b.adapter.name}`, maxStorageBufferBindingSize: l.maxStorageBufferBindingSize, maxBufferSize: l.maxBufferSize }, WEBGPU_DEFAULT_LIMITS, DISCRETE_GPU_LIMITS],
        f16: b.supports("float16"),
      };
    }
  } catch (e) {
    return { limits: [WEBGPU_DEFAULT_LIMITS, DISCRETE_GPU_LIMITS], note: `no WebGPU adapter (${(e as Error).message.split("\n")[0]}); checked against the given limits` };
  }
  return { limits: [WEBGPU_DEFAULT_LIMITS, DISCRETE_GPU_LIMITS] };
}

/** The memory plan of a post-training run as its options describe it; reads file headers only. */
export async function dryRunPlan(o: DryRunOptions): Promise<{ plan: MemoryPlan; note?: string }> {
  const s = resolveRunSettings({
    preset: o.preset,
    ...(o.imagesPerStep ? { imagesPerStep: o.imagesPerStep } : {}),
    ...(o.microBatch ? { microBatch: o.microBatch } : {}),
    ...(o.precision ? { precision: o.precision } : {}),
  });
  const gpu = o.device === "webgpu" ? await webgpuLimits() : undefined;
  const notes = gpu?.note ? [gpu.note] : [];
  // mixed precision stores the frozen models in float16 where the device can (the CPU; WebGPU with shader-f16)
  let frozenDType: "float32" | "float16" = s.precision === "mixed-float16" ? "float16" : "float32";
  if (frozenDType === "float16" && gpu && gpu.f16 === false) {
    frozenDType = "float32";
    notes.push("the WebGPU adapter lacks shader-f16: the frozen models stay float32 under --precision mixed");
  } else if (frozenDType === "float16" && gpu && gpu.f16 === undefined) notes.push("mixed precision planned with float16 frozen models, assuming an adapter with shader-f16");
  const plan = await memoryPlan({
    preset: s.preset,
    ...(o.clip ? { clip: o.clip } : {}),
    ...(o.sd ? { sd: o.sd } : {}),
    microBatch: s.microBatch,
    microBatches: s.imagesPerStep / s.microBatch,
    device: o.device,
    checkpointActivations: o.checkpointActivations,
    frozenDType,
    ...(gpu ? { limits: gpu.limits } : {}),
  });
  return notes.length ? { plan, note: notes.join("; ") } : { plan };
}
