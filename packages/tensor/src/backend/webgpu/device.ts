/// <reference types="@webgpu/types" />
import type { AdapterChoice } from "./loader.js";
import { GPU_SETUP_TIMEOUT_MS, withDeadline } from "./deadline.js";

/** Optional features the backend uses when the adapter has them. */
const WANTED_FEATURES: readonly GPUFeatureName[] = ["shader-f16", "subgroups", "timestamp-query"];

/** Limits worth raising to the adapter's maximum, most important first. */
const KEY_LIMITS = [
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupStorageSize",
  "maxStorageBuffersPerShaderStage",
  "maxComputeWorkgroupsPerDimension",
];

/** Every numeric limit the adapter reports. */
function adapterLimits(adapter: GPUAdapter): Record<string, number> {
  const out: Record<string, number> = {};
  const lim = adapter.limits as unknown as Record<string, unknown>;
  const names = new Set<string>();
  for (let o: object | null = adapter.limits; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const k of Object.getOwnPropertyNames(o)) names.add(k);
  }
  for (const k of names) {
    if (!k.startsWith("max") && !k.startsWith("min")) continue;
    const v = lim[k];
    if (typeof v === "number") out[k] = v;
  }
  return out;
}

/**
 * Requests a device with the wanted features the adapter has and its maximum limits; falls back to the key
 * limits, then to the defaults, if the implementation refuses some limit.
 */
export async function requestDevice(choice: AdapterChoice): Promise<GPUDevice> {
  const { adapter } = choice;
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  const all = adapterLimits(adapter);
  const key = Object.fromEntries(KEY_LIMITS.filter((k) => k in all).map((k) => [k, all[k]!]));
  const attempts: Record<string, number>[] = [all, key, {}];
  let last: unknown;
  for (const requiredLimits of attempts) {
    try {
      return await withDeadline(adapter.requestDevice({ requiredFeatures, requiredLimits, label: "diva" }), GPU_SETUP_TIMEOUT_MS, `a device from adapter ${describeAdapter(adapter)}`);
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`webgpu: requestDevice failed on adapter ${describeAdapter(adapter)}: ${String(last)}`);
}

/** A one-line description of an adapter (vendor, architecture, device, driver). */
export function describeAdapter(adapter: GPUAdapter): string {
  const i = adapter.info;
  return [i.vendor, i.architecture, i.device, i.description].filter((s) => s).join(" / ") || "unknown adapter";
}
