import type { WgslComputeType, WgslStorageType } from "../dtypes.js";

/** Type of a value a kernel computes: a number in a compute type, or a 0/1 boolean as u32. */
export type WgslValueType = WgslComputeType | "b32";

/** WGSL converting `expr`, read from storage of type `from`, to compute type `to`. */
export function loadAs(expr: string, from: WgslStorageType, to: WgslComputeType): string {
  return from === to ? expr : `${to}(${expr})`;
}

/**
 * WGSL converting `expr` of value type `from` to the storage type `to`. As JavaScript stores into an
 * Int32Array, float to int truncates toward zero and wraps modulo 2^32 (NaN and infinities give 0); a number
 * to bool is 1 when it is not zero (NaN included, as the CPU backend's `v !== 0`).
 */
export function storeAs(expr: string, from: WgslValueType, to: WgslStorageType): string {
  if (from === "b32") return to === "u32" ? expr : `${to}(${expr})`;
  if (to === "u32") return from === "f32" ? `select(0u, 1u, ${expr} != 0.0 || isnan_(${expr}))` : `select(0u, 1u, ${expr} != 0)`;
  if (from === "f32" && to === "i32") return `f2i_(${expr})`;
  return from === to ? expr : `${to}(${expr})`;
}
