/// <reference types="@webgpu/types" />
/**
 * Software WebGPU adapters (SwiftShader, Mesa llvmpipe and lavapipe) run the kernels on the CPU through a
 * shader interpreter or JIT: right for checking correctness, far slower than the CPU backend's own kernels.
 * The backend says so once per process, on one line, so that `--backend webgpu` on a machine without a GPU
 * driver is not silently slow.
 */

/** The adapter fields the check reads (GPUAdapterInfo, with isFallbackAdapter where the adapter has it). */
interface AdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

const SOFTWARE_NAMES: readonly [string, string][] = [
  ["swiftshader", "SwiftShader"],
  ["llvmpipe", "Mesa llvmpipe"],
  ["lavapipe", "Mesa lavapipe"],
];

/**
 * The one-line warning for a software adapter, or null for a hardware one. `isFallback`: the adapter's
 * `isFallbackAdapter` where it is a property of the adapter rather than of its info (older implementations).
 */
export function softwareAdapterWarning(info: AdapterInfoLike, isFallback = false): string | null {
  const text = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(" ").toLowerCase();
  const named = SOFTWARE_NAMES.find(([key]) => text.includes(key))?.[1];
  if (!named && !info.isFallbackAdapter && !isFallback) return null;
  const what = named ?? "a fallback adapter";
  return `webgpu: the adapter is a software one (${what}): it is for checking correctness and runs far slower than the CPU backend; use the CPU backend for speed`;
}

let warned = false;

/** Prints `softwareAdapterWarning` with console.warn, the first time a software adapter is used in this process. */
export function warnIfSoftwareAdapter(adapter: GPUAdapter): void {
  if (warned) return;
  const legacy = (adapter as unknown as { isFallbackAdapter?: unknown }).isFallbackAdapter === true;
  const message = softwareAdapterWarning(adapter.info as AdapterInfoLike, legacy);
  if (!message) return;
  warned = true;
  console.warn(message);
}
