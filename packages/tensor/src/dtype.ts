/** Element types a tensor can hold. `float16`: on the CPU (stored as half, computed in float32 per kernel) and on WebGPU adapters with `shader-f16`. */
export type DType = "float32" | "float64" | "float16" | "int32" | "bool";

/** The floating-point dtypes. */
export type FloatDType = "float32" | "float64" | "float16";

/** Typed array used for host-side data of each dtype (bool is stored one byte per element). */
export interface DTypeArrayMap {
  float32: Float32Array;
  float64: Float64Array;
  float16: Float32Array;
  int32: Int32Array;
  bool: Uint8Array;
}

/** Host typed array for dtype `D`. */
export type TypedArrayFor<D extends DType> = DTypeArrayMap[D];

/** Any typed array a tensor's host data can be. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

const DTYPES: readonly DType[] = ["float32", "float64", "float16", "int32", "bool"];

/** True when `s` names a dtype. */
export function isDType(s: unknown): s is DType {
  return typeof s === "string" && (DTYPES as readonly string[]).includes(s);
}

/** True for float32, float64 and float16. */
export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === "float32" || dtype === "float64" || dtype === "float16";
}

/** Bytes per element as stored on a device (bool is one byte on the CPU, four on WebGPU). */
export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case "float64":
      return 8;
    case "float16":
      return 2;
    case "bool":
      return 1;
    default:
      return 4;
  }
}

/** Allocates a zeroed host typed array of `size` elements for `dtype`. */
export function allocHost<D extends DType>(dtype: D, size: number): TypedArrayFor<D> {
  switch (dtype) {
    case "float64":
      return new Float64Array(size) as TypedArrayFor<D>;
    case "int32":
      return new Int32Array(size) as TypedArrayFor<D>;
    case "bool":
      return new Uint8Array(size) as TypedArrayFor<D>;
    default:
      return new Float32Array(size) as TypedArrayFor<D>;
  }
}

/** The dtype whose host array is `arr`, or undefined. */
export function dtypeOfArray(arr: unknown): DType | undefined {
  if (arr instanceof Float32Array) return "float32";
  if (arr instanceof Float64Array) return "float64";
  if (arr instanceof Int32Array) return "int32";
  if (arr instanceof Uint8Array) return "bool";
  return undefined;
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float16: 2, float32: 3, float64: 4 };

/**
 * Result dtype of a binary op on two tensors, as PyTorch promotes: bool < int32 < float16 < float32 < float64.
 */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Dtype a floating-point op gives for an input dtype (ints and bools compute in float32). */
export function floatResult(dtype: DType): FloatDType {
  return isFloat(dtype) ? dtype : "float32";
}

/** Converts a JS number to the value stored for `dtype` (int32 truncates toward zero, bool is 0/1, NaN is true). */
export function castScalar(value: number, dtype: DType): number {
  if (dtype === "int32") return Math.trunc(value) | 0;
  // as the cast kernels and torch: any nonzero value, NaN included, is true
  if (dtype === "bool") return value !== 0 ? 1 : 0;
  if (dtype === "float32" || dtype === "float16") return Math.fround(value);
  return value;
}
