/**
 * The PyTorch element types this reader understands: their storage class names, dtype object names, byte
 * sizes, and the @diva/tensor dtype each loads as.
 */
import type { DType } from "@diva/tensor";

/** A PyTorch element type, by its `torch.<name>` dtype name. */
export type TorchDType = "float32" | "float64" | "float16" | "bfloat16" | "int64" | "int32" | "int16" | "int8" | "uint8" | "bool";

/** Bytes per element of each PyTorch dtype. */
export const TORCH_ITEM_SIZE: Readonly<Record<TorchDType, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** The @diva/tensor dtype a PyTorch dtype loads as: halves widen to float32, integers narrow or widen to int32. */
export const LOADED_DTYPE: Readonly<Record<TorchDType, DType>> = {
  float32: "float32",
  float64: "float64",
  float16: "float32",
  bfloat16: "float32",
  int64: "int32",
  int32: "int32",
  int16: "int32",
  int8: "int32",
  uint8: "int32",
  bool: "bool",
};

/** Legacy typed storage classes (`torch.FloatStorage`, ...) as torch.save names them in persistent ids. */
export const STORAGE_CLASSES: ReadonlyMap<string, TorchDType> = new Map<string, TorchDType>([
  ["FloatStorage", "float32"],
  ["DoubleStorage", "float64"],
  ["HalfStorage", "float16"],
  ["BFloat16Storage", "bfloat16"],
  ["LongStorage", "int64"],
  ["IntStorage", "int32"],
  ["ShortStorage", "int16"],
  ["CharStorage", "int8"],
  ["ByteStorage", "uint8"],
  ["BoolStorage", "bool"],
]);

/** `torch.<name>` dtype objects (with their aliases), which pickle as globals of module `torch`. */
export const DTYPE_OBJECTS: ReadonlyMap<string, TorchDType> = new Map<string, TorchDType>([
  ["float32", "float32"],
  ["float", "float32"],
  ["float64", "float64"],
  ["double", "float64"],
  ["float16", "float16"],
  ["half", "float16"],
  ["bfloat16", "bfloat16"],
  ["int64", "int64"],
  ["long", "int64"],
  ["int32", "int32"],
  ["int", "int32"],
  ["int16", "int16"],
  ["short", "int16"],
  ["int8", "int8"],
  ["uint8", "uint8"],
  ["bool", "bool"],
]);
