import type { DType, TypedArray } from "../dtype.js";
import { f32ArrayToBf16, f32ArrayToF16 } from "./half.js";
import { ITEM_SIZE, type SafetensorsDType } from "./safetensors-dtypes.js";
import { METADATA_KEY, fmtList, headerError } from "./safetensors-header.js";

/** Storage dtypes a floating-point tensor may be written as. */
export type FloatStorageDType = "F16" | "BF16" | "F32";

/** What the writer needs to know about a tensor before it has the data. */
interface EncodeInput {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/** One tensor's place in the file being written. */
interface PlannedTensor {
  readonly name: string;
  readonly dtype: DType;
  readonly stored: SafetensorsDType;
  readonly shape: readonly number[];
  readonly numel: number;
  /** Byte offset of the tensor in the data section. */
  readonly begin: number;
  readonly byteLength: number;
}

/** The layout of a file: the 8-byte length and padded JSON header, then the tensors in this order. */
export interface EncodePlan {
  readonly header: Uint8Array;
  readonly tensors: readonly PlannedTensor[];
  /** Size of the whole file in bytes. */
  readonly fileSize: number;
}

/**
 * Lays out a file as the reference writer does: tensors sorted by decreasing element size and then by name,
 * packed without gaps, and the JSON header padded with spaces to a multiple of 8 bytes. Together these put
 * every tensor at an offset that is a multiple of its element size.
 */
export function planSafetensors(
  inputs: readonly EncodeInput[],
  metadata: Readonly<Record<string, string>> | undefined,
  dtypes: Readonly<Record<string, FloatStorageDType>> = {},
  target = "safetensors",
): EncodePlan {
  const known = new Set(inputs.map((t) => t.name));
  for (const name of Object.keys(dtypes)) {
    if (!known.has(name)) throw headerError(target, name, `options.dtypes names a tensor that is not being written`);
  }
  const sorted = inputs
    .map((t) => ({ ...t, stored: storedDType(t, dtypes[t.name], target) }))
    .sort((a, b) => ITEM_SIZE[b.stored] - ITEM_SIZE[a.stored] || compareCodePoints(a.name, b.name));
  let begin = 0;
  const tensors: PlannedTensor[] = [];
  for (const t of sorted) {
    if (t.name === METADATA_KEY) throw headerError(target, t.name, `${METADATA_KEY} is reserved for metadata`);
    let numel = 1;
    for (const d of t.shape) numel *= d;
    const byteLength = numel * ITEM_SIZE[t.stored];
    tensors.push({ name: t.name, dtype: t.dtype, stored: t.stored, shape: [...t.shape], numel, begin, byteLength });
    begin += byteLength;
  }
  const header = encodeHeader(tensors, metadata, target);
  return { header, tensors, fileSize: header.length + begin };
}

function storedDType(t: EncodeInput, requested: FloatStorageDType | undefined, target: string): SafetensorsDType {
  const isFloat = t.dtype === "float32" || t.dtype === "float64" || t.dtype === "float16";
  if (requested !== undefined) {
    if (requested !== "F16" && requested !== "BF16" && requested !== "F32") {
      throw headerError(target, t.name, `options.dtypes must be F16, BF16 or F32, got ${JSON.stringify(requested)}`);
    }
    if (!isFloat) throw headerError(target, t.name, `cannot store a ${t.dtype} tensor as ${requested}`);
    return requested;
  }
  switch (t.dtype) {
    case "float32":
      return "F32";
    case "float64":
      return "F64";
    case "float16":
      return "F16";
    case "int32":
      return "I32";
    case "bool":
      return "BOOL";
    default:
      throw headerError(target, t.name, `cannot store dtype ${String(t.dtype)}`);
  }
}

/** Orders strings by Unicode code point, which is the byte order of their UTF-8 (as Rust sorts strings). */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

function encodeHeader(
  tensors: readonly PlannedTensor[],
  metadata: Readonly<Record<string, string>> | undefined,
  target: string,
): Uint8Array {
  const parts: string[] = [];
  if (metadata !== undefined) {
    const fields: string[] = [];
    for (const key of Object.keys(metadata)) {
      const value: unknown = metadata[key];
      if (typeof value !== "string") throw headerError(target, undefined, `metadata[${JSON.stringify(key)}] must be a string`);
      fields.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${fields.join(",")}}`);
  }
  for (const t of tensors) {
    const end = t.begin + t.byteLength;
    parts.push(
      `${JSON.stringify(t.name)}:{"dtype":"${t.stored}","shape":${fmtList(t.shape)},"data_offsets":${fmtList([t.begin, end])}}`,
    );
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8 + json.length); // spaces pad the JSON
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

/**
 * The stored bytes of one tensor's elements (`data` as `await t.data()` returns it). The result may share
 * memory with `data`.
 */
export function encodeTensorData(t: PlannedTensor, data: TypedArray, target = "safetensors"): Uint8Array {
  if (data.length !== t.numel) {
    throw headerError(target, t.name, `data has ${data.length} elements but shape ${fmtList(t.shape)} needs ${t.numel}`);
  }
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  switch (t.stored) {
    case "F16":
      return bytes(f32ArrayToF16(asFloat(data, t, target)));
    case "BF16":
      return bytes(f32ArrayToBf16(asFloat(data, t, target)));
    case "F32":
      return bytes(data instanceof Float32Array ? data : Float32Array.from(asFloat(data, t, target)));
    case "F64":
      return bytes(asFloat(data, t, target));
    case "I32":
      if (!(data instanceof Int32Array)) throw wrongArray(t, data, target);
      return bytes(data);
    case "BOOL":
      if (!(data instanceof Uint8Array)) throw wrongArray(t, data, target);
      return data.every((v) => v <= 1) ? bytes(data) : data.map((v) => (v !== 0 ? 1 : 0));
    default:
      throw headerError(target, t.name, `cannot write dtype ${t.stored}`);
  }
}

function asFloat(data: TypedArray, t: PlannedTensor, target: string): Float32Array | Float64Array {
  if (data instanceof Float32Array || data instanceof Float64Array) return data;
  throw wrongArray(t, data, target);
}

function wrongArray(t: PlannedTensor, data: TypedArray, target: string): Error {
  return headerError(target, t.name, `a ${t.dtype} tensor gave a ${data.constructor.name} as data`);
}
