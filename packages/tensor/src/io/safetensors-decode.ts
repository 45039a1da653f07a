import type { DType, TypedArray } from "../dtype.js";
import { bf16ArrayToF32, f16ArrayToF32 } from "./half.js";
import { ITEM_SIZE, LOADED_DTYPE, type SafetensorsDType } from "./safetensors-dtypes.js";
import { headerError, type SafetensorsHeader, type SafetensorsTensorInfo } from "./safetensors-header.js";

/** Random access to the bytes of a safetensors file (a FileHandle or an in-memory buffer). */
export interface ByteSource {
  /** Fills `into` with the bytes at absolute file offset `position`; throws if the source ends first. */
  read(into: Uint8Array, position: number): Promise<void>;
}

/** A tensor's elements on the host, ready for `fromHost`. */
export interface HostTensor {
  /** The elements, row-major. */
  readonly data: TypedArray;
  /** Element type of `data`. */
  readonly dtype: DType;
  /** The tensor's shape. */
  readonly shape: readonly number[];
}

/** How to load tensors. */
export interface DecodeOptions {
  /**
   * Load floating-point tensors as float32 (F64 is rounded; F16/BF16/F32 load as float32 anyway), or as
   * float16 (F16 exact, F32 and BF16 rounded to nearest even, F64 through float32; half the memory, for frozen models under mixed
   * precision).
   */
  readonly dtype?: "float32" | "float16";
}

// Converted dtypes are read in pieces of this size so a multi-GB tensor never needs a second full-size buffer.
const CHUNK_BYTES = 1 << 23;

/** The tensor dtype a stored dtype loads as under `options`. */
function loadedDType(dtype: SafetensorsDType, options: DecodeOptions = {}): DType {
  if (options.dtype === "float16" && (dtype === "F64" || dtype === "F32" || dtype === "F16" || dtype === "BF16")) return "float16";
  if (dtype === "F64" && options.dtype === "float32") return "float32";
  return LOADED_DTYPE[dtype];
}

/**
 * Reads tensor `name` from `source` and converts it to its loaded dtype. Bytes are always copied into fresh
 * buffers before typed views are made, so unaligned data offsets are fine.
 */
export async function readHostTensor(
  source: ByteSource,
  header: SafetensorsHeader,
  name: string,
  options: DecodeOptions = {},
): Promise<HostTensor> {
  const info = header.tensors.get(name);
  if (!info) throw missingTensorError(header, name);
  const dtype = loadedDType(info.dtype, options);
  const itemSize = ITEM_SIZE[info.dtype];
  const numel = info.byteLength / itemSize;
  const data = allocate(dtype, numel, header.source, name);
  const position = header.dataStart + info.dataOffsets[0];
  if (numel === 0) return { data, dtype, shape: info.shape };
  if (storedAsIs(info.dtype, dtype)) {
    // Same layout on disk and in memory: read straight into the result.
    await source.read(new Uint8Array(data.buffer, data.byteOffset, info.byteLength), position);
    return { data, dtype, shape: info.shape };
  }
  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / itemSize));
  const scratch = new Uint8Array(Math.min(numel, perChunk) * itemSize);
  for (let at = 0; at < numel; at += perChunk) {
    const n = Math.min(perChunk, numel - at);
    const chunk = scratch.subarray(0, n * itemSize);
    await source.read(chunk, position + at * itemSize);
    convertChunk(info, chunk, n, data, at, header.source, name);
  }
  return { data, dtype, shape: info.shape };
}

/** The error for a tensor name the file does not hold, listing a few that it does. */
export function missingTensorError(header: SafetensorsHeader, name: string): Error {
  const names = [...header.tensors.keys()];
  const some = names.slice(0, 8).map((n) => JSON.stringify(n)).join(", ");
  const more = names.length > 8 ? `, ... (${names.length} in all)` : "";
  return headerError(header.source, name, `not in the file (it holds ${names.length ? some + more : "no tensors"})`);
}

function storedAsIs(stored: SafetensorsDType, loaded: DType): boolean {
  return (
    (stored === "F32" && loaded === "float32") ||
    (stored === "F64" && loaded === "float64") ||
    (stored === "I32" && loaded === "int32")
  );
}

function allocate(dtype: DType, numel: number, source: string, name: string): TypedArray {
  try {
    switch (dtype) {
      case "float64":
        return new Float64Array(numel);
      case "int32":
        return new Int32Array(numel);
      case "bool":
        return new Uint8Array(numel);
      default:
        return new Float32Array(numel);
    }
  } catch (e) {
    throw headerError(source, name, `cannot allocate ${numel} ${dtype} elements (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Converts `n` elements held in `chunk` (offset 0 of its own buffer, so aligned) into `out` at `at`. */
function convertChunk(
  info: SafetensorsTensorInfo,
  chunk: Uint8Array,
  n: number,
  out: TypedArray,
  at: number,
  source: string,
  name: string,
): void {
  const buf = chunk.buffer;
  switch (info.dtype) {
    case "F16":
      f16ArrayToF32(new Uint16Array(buf, 0, n), out as Float32Array, at);
      return;
    case "BF16":
      bf16ArrayToF32(new Uint16Array(buf, 0, n), out as Float32Array, at);
      return;
    case "F64":
      (out as Float32Array).set(new Float64Array(buf, 0, n), at); // rounds to nearest float32
      return;
    case "F32":
      out.set(new Float32Array(buf, 0, n), at);
      return;
    case "I32":
      out.set(new Int32Array(buf, 0, n), at);
      return;
    case "I16":
      out.set(new Int16Array(buf, 0, n), at);
      return;
    case "I8":
      out.set(new Int8Array(buf, 0, n), at);
      return;
    case "U16":
      out.set(new Uint16Array(buf, 0, n), at);
      return;
    case "U8":
      out.set(new Uint8Array(buf, 0, n), at);
      return;
    case "BOOL": {
      const bytes = new Uint8Array(buf, 0, n);
      for (let i = 0; i < n; i++) out[at + i] = bytes[i] !== 0 ? 1 : 0;
      return;
    }
    case "U32": {
      const words = new Uint32Array(buf, 0, n);
      for (let i = 0; i < n; i++) {
        const v = words[i]!;
        if (v > 0x7fffffff) throw rangeError(source, name, "U32", BigInt(v), at + i);
        out[at + i] = v;
      }
      return;
    }
    case "I64":
    case "U64": {
      // Little-endian halves: a value fits int32 iff the high word is the sign extension of the low word.
      const words = new Int32Array(buf, 0, 2 * n);
      const unsigned = info.dtype === "U64";
      for (let i = 0; i < n; i++) {
        const lo = words[2 * i]!;
        const hi = words[2 * i + 1]!;
        if (hi !== lo >> 31 || (unsigned && hi !== 0)) {
          const big = new DataView(buf).getBigInt64(8 * i, true);
          throw rangeError(source, name, info.dtype, unsigned ? BigInt.asUintN(64, big) : big, at + i);
        }
        out[at + i] = lo;
      }
      return;
    }
  }
}

function rangeError(source: string, name: string, dtype: string, value: bigint, index: number): Error {
  return headerError(source, name, `${dtype} value ${value} at flat index ${index} does not fit in int32`);
}
