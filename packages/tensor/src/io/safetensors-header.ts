import {
  ITEM_SIZE,
  describeJson,
  isSafetensorsDType,
  truncate,
  unsupportedDTypeReason,
  type SafetensorsDType,
} from "./safetensors-dtypes.js";

/** Where and how one tensor is stored in a safetensors file. */
export interface SafetensorsTensorInfo {
  /** The dtype as stored in the file. */
  readonly dtype: SafetensorsDType;
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** `[begin, end)` byte range relative to the start of the data section. */
  readonly dataOffsets: readonly [number, number];
  /** `end - begin`, equal to elements x bytes per element. */
  readonly byteLength: number;
}

/** A validated safetensors header. */
export interface SafetensorsHeader {
  /** Name used in error messages (usually the path). */
  readonly source: string;
  /** Length N of the JSON header in bytes. */
  readonly headerLength: number;
  /** Absolute file offset of the data section (8 + N). */
  readonly dataStart: number;
  /** Length of the data section in bytes. */
  readonly dataLength: number;
  /** The `__metadata__` string map (empty when absent). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Tensors in header order. */
  readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>;
}

/** The reference implementation refuses headers above 100 MB; so do we (a header that big is an attack). */
export const MAX_HEADER_LENGTH = 100_000_000;

/** Name of the reserved header key holding the string-to-string metadata. */
export const METADATA_KEY = "__metadata__";

/** The error every validation failure throws: `source: tensor "name": problem`. */
export function headerError(source: string, tensor: string | undefined, problem: string): Error {
  return new Error(tensor === undefined ? `${source}: ${problem}` : `${source}: ${tensorLabel(tensor)}: ${problem}`);
}

/** `tensor "name"` with the name escaped and cut short if huge. */
export function tensorLabel(name: string): string {
  return `tensor ${JSON.stringify(truncate(name, 200))}`;
}

/**
 * Reads and checks the 8-byte little-endian header length at the start of a file of `fileSize` bytes.
 * Throws unless the header fits in the file and is at most {@link MAX_HEADER_LENGTH} bytes.
 */
export function readHeaderLength(bytes: Uint8Array, fileSize: number, source = "safetensors"): number {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) throw headerError(source, undefined, `invalid file size ${fileSize}`);
  if (fileSize < 8) throw headerError(source, undefined, `file is ${fileSize} bytes, too short for the 8-byte header length`);
  if (bytes.length < 8) throw headerError(source, undefined, `got ${bytes.length} bytes, need the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const text = (BigInt(high) * 0x1_0000_0000n + BigInt(low)).toString();
  if (high !== 0 || low > MAX_HEADER_LENGTH) {
    throw headerError(source, undefined, `header length ${text} exceeds the limit of ${MAX_HEADER_LENGTH} bytes`);
  }
  if (low > fileSize - 8) {
    throw headerError(source, undefined, `header length ${text} does not fit in a file of ${fileSize} bytes`);
  }
  if (low < 2) throw headerError(source, undefined, `header length ${text} is too short for a JSON object`);
  return low;
}

/**
 * Parses and validates the header of a safetensors file. `bytes` holds at least the first 8 + N bytes of the
 * file (the whole file is fine); `fileSize` is the size of the whole file. Checks: the length prefix, UTF-8,
 * a JSON object, `__metadata__` as a string map, and for each tensor a supported dtype, a shape of
 * non-negative integers, and data offsets inside the data section, holding exactly the bytes the dtype and
 * shape need and overlapping no other tensor. Throws an `Error` naming `source`, the tensor and the field.
 */
export function parseSafetensorsHeader(bytes: Uint8Array, fileSize: number, source = "safetensors"): SafetensorsHeader {
  const headerLength = readHeaderLength(bytes, fileSize, source);
  if (bytes.length < 8 + headerLength) {
    throw headerError(source, undefined, `got ${bytes.length} bytes, need ${8 + headerLength} to hold the header`);
  }
  const json = parseHeaderJson(bytes.subarray(8, 8 + headerLength), source);
  const dataStart = 8 + headerLength;
  const dataLength = fileSize - dataStart;
  let metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsTensorInfo>();
  for (const key of Object.keys(json)) {
    const value: unknown = json[key];
    if (key === METADATA_KEY) metadata = parseMetadata(value, source);
    else tensors.set(key, parseEntry(key, value, dataLength, source));
  }
  checkNoOverlap(tensors, source);
  return { source, headerLength, dataStart, dataLength, metadata, tensors };
}

function parseHeaderJson(bytes: Uint8Array, source: string): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw headerError(source, undefined, "header is not valid UTF-8");
  }
  if (!text.startsWith("{")) {
    throw headerError(source, undefined, `header must start with "{", got ${JSON.stringify(text.slice(0, 12))}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw headerError(source, undefined, `header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw headerError(source, undefined, `header must be a JSON object, got ${describeJson(parsed)}`);
  }
  return parsed as Record<string, unknown>;
}

function parseMetadata(value: unknown, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null) return out; // the reference writes null for "no metadata" in some versions
  if (typeof value !== "object" || Array.isArray(value)) {
    throw headerError(source, undefined, `${METADATA_KEY} must be an object of strings, got ${describeJson(value)}`);
  }
  const map = value as Record<string, unknown>;
  for (const k of Object.keys(map)) {
    const v = map[k];
    if (typeof v !== "string") {
      throw headerError(source, undefined, `${METADATA_KEY}[${JSON.stringify(truncate(k))}] must be a string, got ${describeJson(v)}`);
    }
    defineEntry(out, k, v);
  }
  return out;
}

/** Sets `obj[key]` as an own property even for keys like `__proto__`. */
export function defineEntry<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function parseEntry(name: string, value: unknown, dataLength: number, source: string): SafetensorsTensorInfo {
  const fail = (problem: string) => headerError(source, name, problem);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw fail(`entry must be an object with dtype, shape and data_offsets, got ${describeJson(value)}`);
  }
  const entry = value as Record<string, unknown>;
  const dtype = entry["dtype"];
  if (!isSafetensorsDType(dtype)) throw fail(unsupportedDTypeReason(dtype));
  const shape = parseShape(entry["shape"], fail);
  const offsets = parseOffsets(entry["data_offsets"], dataLength, fail);
  const itemSize = ITEM_SIZE[dtype];
  let numel = 1;
  for (const d of shape) numel *= d;
  if (shape.includes(0)) numel = 0; // an empty tensor, even when other sizes are huge
  const need = numel * itemSize;
  if (!Number.isSafeInteger(need)) throw fail(`shape ${fmtList(shape)} has too many elements to address`);
  const held = offsets[1] - offsets[0];
  if (held !== need) {
    throw fail(`data_offsets ${fmtList(offsets)} hold ${held} bytes but dtype ${dtype} shape ${fmtList(shape)} needs ${need}`);
  }
  return { dtype, shape, dataOffsets: offsets, byteLength: held };
}

function parseShape(value: unknown, fail: (problem: string) => Error): number[] {
  if (!Array.isArray(value)) throw fail(`shape must be an array of non-negative integers, got ${describeJson(value)}`);
  const shape: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const d: unknown = value[i];
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw fail(`shape[${i}] must be a non-negative integer, got ${describeJson(d)}`);
    }
    shape.push(d);
  }
  return shape;
}

function parseOffsets(value: unknown, dataLength: number, fail: (problem: string) => Error): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw fail(`data_offsets must be [begin, end], got ${describeJson(value)}`);
  }
  for (let i = 0; i < 2; i++) {
    const v: unknown = value[i];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      throw fail(`data_offsets[${i}] must be a non-negative integer, got ${describeJson(v)}`);
    }
  }
  const [begin, end] = value as [number, number];
  if (begin > end) throw fail(`data_offsets ${fmtList([begin, end])} end before they begin`);
  if (end > dataLength) {
    throw fail(`data_offsets ${fmtList([begin, end])} end past the data section of ${dataLength} bytes`);
  }
  return [begin, end];
}

/** Sorts the ranges by start and checks each begins after every earlier one ended (empty ranges hold nothing). */
function checkNoOverlap(tensors: ReadonlyMap<string, SafetensorsTensorInfo>, source: string): void {
  const ranges = [...tensors].filter(([, t]) => t.byteLength > 0);
  ranges.sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let last: [string, SafetensorsTensorInfo] | undefined;
  for (const cur of ranges) {
    if (last && cur[1].dataOffsets[0] < last[1].dataOffsets[1]) {
      throw headerError(
        source,
        cur[0],
        `data_offsets ${fmtList(cur[1].dataOffsets)} overlap ${tensorLabel(last[0])} at ${fmtList(last[1].dataOffsets)}`,
      );
    }
    if (!last || cur[1].dataOffsets[1] > last[1].dataOffsets[1]) last = cur;
  }
}

/** `[a,b,c]` as in the error messages. */
export function fmtList(xs: readonly number[]): string {
  return `[${xs.join(",")}]`;
}
