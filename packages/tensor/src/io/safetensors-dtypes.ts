import type { DType } from "../dtype.js";

/** The safetensors dtypes this library reads (every one converts to a tensor dtype on load). */
export type SafetensorsDType =
  | "F64"
  | "F32"
  | "F16"
  | "BF16"
  | "I64"
  | "I32"
  | "I16"
  | "I8"
  | "U64"
  | "U32"
  | "U16"
  | "U8"
  | "BOOL";

/** Bytes per element of each safetensors dtype. */
export const ITEM_SIZE: Readonly<Record<SafetensorsDType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

/** Tensor dtype each safetensors dtype loads as (halves widen to float32, integers narrow to int32). */
export const LOADED_DTYPE: Readonly<Record<SafetensorsDType, DType>> = {
  F64: "float64",
  F32: "float32",
  F16: "float32",
  BF16: "float32",
  I64: "int32",
  I32: "int32",
  I16: "int32",
  I8: "int32",
  U64: "int32",
  U32: "int32",
  U16: "int32",
  U8: "int32",
  BOOL: "bool",
};

/** Dtypes of the format that we recognise but cannot load (fp8/fp6/fp4, complex, unsigned sub-byte). */
const KNOWN_UNSUPPORTED = new Set([
  "F8_E4M3",
  "F8_E5M2",
  "F8_E8M0",
  "F6_E2M3",
  "F6_E3M2",
  "F4",
  "C64",
  "C128",
]);

/** True when `s` names a supported safetensors dtype. */
export function isSafetensorsDType(s: unknown): s is SafetensorsDType {
  return typeof s === "string" && Object.prototype.hasOwnProperty.call(ITEM_SIZE, s);
}

/** Why `s` is not a supported dtype, for error messages. */
export function unsupportedDTypeReason(s: unknown): string {
  const supported = Object.keys(ITEM_SIZE).join(", ");
  if (typeof s !== "string") return `dtype must be a string, got ${describeJson(s)}`;
  if (KNOWN_UNSUPPORTED.has(s)) return `dtype ${s} is not supported (supported: ${supported})`;
  return `dtype ${JSON.stringify(truncate(s))} is not a safetensors dtype (supported: ${supported})`;
}

/** A short description of a JSON value for error messages (never the whole value). */
export function describeJson(v: unknown): string {
  if (v === undefined) return "nothing (the field is missing)";
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return `the string ${JSON.stringify(truncate(v))}`;
  return `${typeof v} ${String(v)}`;
}

/** Cuts long strings so error messages stay short. */
export function truncate(s: string, max = 60): string {
  return s.length <= max ? s : `${s.slice(0, max)}...`;
}
