import type { DType } from "../../dtype.js";

/** WGSL element type of a storage buffer holding a dtype (bool is one u32 per element). */
export type WgslStorageType = "f32" | "f16" | "i32" | "u32";

/** WGSL type that kernels compute in: floats (including float16) in f32, int32 and bool in i32. */
export type WgslComputeType = "f32" | "i32";

/** The storage element type of `dtype` on WebGPU; throws for float64, which WebGPU cannot hold. */
export function wgslStorageType(dtype: DType): WgslStorageType {
  switch (dtype) {
    case "float32":
      return "f32";
    case "float16":
      return "f16";
    case "int32":
      return "i32";
    case "bool":
      return "u32";
    default:
      throw new Error(`webgpu: dtype ${dtype} is not supported on WebGPU (use float32, or the cpu device for float64)`);
  }
}

/** The type kernels compute `dtype` values in. */
export function wgslComputeType(dtype: DType): WgslComputeType {
  const s = wgslStorageType(dtype);
  return s === "i32" || s === "u32" ? "i32" : "f32";
}

/** Bytes per element of `dtype` in a WebGPU buffer. */
export function gpuElementBytes(dtype: DType): number {
  return wgslStorageType(dtype) === "f16" ? 2 : 4;
}

/** Buffer size for `size` elements of `dtype`: padded to a multiple of 4 bytes, at least 4. */
export function gpuByteLength(dtype: DType, size: number): number {
  return Math.max(4, Math.ceil((size * gpuElementBytes(dtype)) / 4) * 4);
}
