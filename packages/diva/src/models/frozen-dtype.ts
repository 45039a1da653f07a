import { getBackend, getDefaultDevice, type Device } from "@diva/tensor";
import type { RunPrecision } from "../train/post-train-options.js";

/** The dtype the frozen models (UNet, VAE, SD text encoder) are loaded in. */
export type FrozenDType = "float32" | "float16";

/**
 * The frozen models' dtype for a run's precision on `device` (default: the default device): float16 under
 * mixed precision where the device stores float16 (the CPU always; WebGPU with `shader-f16`), else float32,
 * with a note through `log` saying why.
 */
export function frozenDType(precision: RunPrecision, log: (message: string) => void = () => {}, device: Device = getDefaultDevice()): FrozenDType {
  if (precision !== "mixed-float16") return "float32";
  if (getBackend(device).supports("float16")) {
    log(`mixed precision: UNet, VAE and text encoder weights in float16 on ${device} (float32 accumulation); CLIP, the projection, gradients and optimizer state in float32`);
    return "float16";
  }
  log(`mixed precision: this ${device} adapter lacks shader-f16, so the frozen models are loaded in float32 (the run computes as with --precision fp32)`);
  return "float32";
}
