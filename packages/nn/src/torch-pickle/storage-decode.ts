/**
 * Turns a storage file's bytes and a tensor view of them into host data of a @diva/tensor dtype: float32,
 * float64 and int32 as they are; float16 and bfloat16 widened to float32; int64 narrowed to int32 (a value
 * outside int32 is an error naming it); int16, int8 and uint8 widened to int32; bool as 0/1 bytes.
 */
import type { DType, TypedArray } from "@diva/tensor";
import { widenBf16, widenF16 } from "./half-widen.js";
import { gatherStrided, isContiguous, type UnitArray } from "./strided-gather.js";
import { LOADED_DTYPE, TORCH_ITEM_SIZE, type TorchDType } from "./torch-dtypes.js";

interface UnitCtor {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): UnitArray;
  new (length: number): UnitArray;
  readonly BYTES_PER_ELEMENT: number;
}

const UNIT: Record<TorchDType, UnitCtor> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int64: Int32Array, // two words per element, low word first
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

/** Reverses the byte order of every `itemSize`-byte element, in place. */
function byteswap(bytes: Uint8Array, itemSize: number): void {
  for (let i = 0; i + itemSize <= bytes.length; i += itemSize) bytes.subarray(i, i + itemSize).reverse();
}

/** The storage bytes as an array of units: a view when aligned and little-endian, else an aligned copy. */
export function storageUnits(bytes: Uint8Array, dtype: TorchDType, bigEndian: boolean): UnitArray {
  const Ctor = UNIT[dtype];
  const itemSize = TORCH_ITEM_SIZE[dtype];
  const usable = bytes.length - (bytes.length % itemSize);
  let src = bytes.subarray(0, usable);
  if (bigEndian && itemSize > 1) {
    src = src.slice();
    byteswap(src, itemSize);
  } else if (src.byteOffset % Ctor.BYTES_PER_ELEMENT !== 0) {
    src = src.slice();
  }
  return new Ctor(src.buffer, src.byteOffset, usable / Ctor.BYTES_PER_ELEMENT);
}

/** Host data of one tensor, ready for `fromHost`. */
interface HostData {
  readonly data: TypedArray;
  readonly dtype: DType;
}

/**
 * Gathers the view (`offset`, `size`, `stride`, in elements) out of `units` and converts it. `fail` makes the
 * error for an int64 value that does not fit int32.
 */
export function decodeView(
  units: UnitArray,
  dtype: TorchDType,
  offset: number,
  size: readonly number[],
  stride: readonly number[],
  fail: (message: string) => Error,
): HostData {
  const width = dtype === "int64" ? 2 : 1;
  let numel = 1;
  for (const s of size) numel *= s;
  const raw = isContiguous(size, stride)
    ? units.subarray(offset * width, (offset + numel) * width)
    : gatherStrided(units, width, offset, size, stride, new (units.constructor as UnitCtor)(numel * width));
  const out = LOADED_DTYPE[dtype];
  switch (dtype) {
    case "float32":
    case "float64":
    case "int32":
      return { data: raw as Float32Array | Float64Array | Int32Array, dtype: out };
    case "float16":
      return { data: widenF16(raw as Uint16Array), dtype: out };
    case "bfloat16":
      return { data: widenBf16(raw as Uint16Array), dtype: out };
    case "int64": {
      const words = raw as Int32Array;
      const data = new Int32Array(numel);
      for (let i = 0; i < numel; i++) {
        const lo = words[2 * i]!;
        const hi = words[2 * i + 1]!;
        if (hi !== lo >> 31) {
          const value = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
          throw fail(`int64 value ${value} at flat index ${i} does not fit int32`);
        }
        data[i] = lo;
      }
      return { data, dtype: out };
    }
    case "int16":
    case "int8":
    case "uint8":
      return { data: Int32Array.from(raw as Int16Array | Int8Array | Uint8Array), dtype: out };
    case "bool": {
      const bytes = raw as Uint8Array;
      const data = new Uint8Array(numel);
      for (let i = 0; i < numel; i++) data[i] = bytes[i] ? 1 : 0;
      return { data, dtype: out };
    }
  }
}
